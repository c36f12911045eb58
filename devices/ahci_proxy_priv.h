/* SPDX-License-Identifier: MIT */
/*
 * Inside the AHCI proxy: what ahci_proxy.c and ahci_proxy_regs.c share.
 * Not for other modules.
 */
#ifndef DEVICES_AHCI_PROXY_PRIV_H
#define DEVICES_AHCI_PROXY_PRIV_H

#include "ahci_proxy.h"

static inline uint32_t ahci_port_reg(unsigned int pn, uint32_t reg)
{
	return AHCI_PORT_BASE + pn * AHCI_PORT_SIZE + reg;
}

static inline uint32_t ahci_rd(struct ahci_proxy *a, const struct ahci_hba *h, uint32_t off)
{
	return (uint32_t)a->cfg.ops->mmio_read(a->cfg.ctx, h->abar + off, 4);
}

static inline void ahci_wr(struct ahci_proxy *a, const struct ahci_hba *h, uint32_t off, uint32_t v)
{
	a->cfg.ops->mmio_write(a->cfg.ctx, h->abar + off, 4, v);
}

/* ahci_proxy.c */
void ahci_note(struct ahci_proxy *a, bool hv_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint32_t ahci_granules_of(uint32_t bytes);
int64_t ahci_area_alloc(struct ahci_proxy *a, uint32_t n);
bool ahci_port_shadow(struct ahci_proxy *a, struct ahci_port *p);
void ahci_issue_pending(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn);
void ahci_port_stopped(struct ahci_port *p);
void ahci_drain(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t cmd);
/** Take the port's finished slots; @ci_out/@sact_out (may be NULL): PxCI
 * and PxSACT as the guest sees them now. */
void ahci_harvest(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t *ci_out,
		  uint32_t *sact_out);
void ahci_harvest_hba(struct ahci_proxy *a, struct ahci_hba *h);
void ahci_raise(struct ahci_proxy *a, struct ahci_hba *h);

#endif
