/* SPDX-License-Identifier: MIT */
/* Every fatal end: one log line, then GHCB termination with the reason. */
#include "core/ghcb_call.h"
#include "core/hw.h"

void pv_vlog(enum log_level level, const char *fmt, va_list ap);

_Noreturn void pv_terminate(unsigned int code, const char *fmt, ...)
{
	static bool dying; /* a failing GHCB must not recurse */
	va_list ap;
	va_start(ap, fmt);
	if (!dying) {
		dying = true;
		pv_vlog(LOG_ERROR, fmt, ap);
	}
	va_end(ap);
	for (;;)
		hw_vmgexit_msr(ghcb_msr_term_req(GHCB_TERM_SET_PARAVISOR, code));
}
