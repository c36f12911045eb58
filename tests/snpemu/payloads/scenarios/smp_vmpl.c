// SPDX-License-Identifier: MIT
/* SMP (-smp 4): the BSP creates a VMPL0 VMSA for each AP (SNP AP creation,
 * APIC IDs 1-3; APIC ID 4 does not exist and is refused), and every vCPU
 * then runs VMPL0 and its own VMPL1 (ReflectVC + vTOM + AI).  Each VMPL1
 * reads its x2APIC ID, which traps to its own VMPL0, which asks the
 * hypervisor: the answer is that vCPU's APIC ID (GHCB spec, SNP AP Creation;
 * snpemu runs one QEMU CPU per vCPU, docs/snpemu.md "SMP"). */
#include "vmpl.h"

#define CPUS 4
#define WAIT 400000000ul

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint32_t a = 0, b, c = 0, d;

	s->out[0] = vmpl1_rdmsr(0x802);
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	s->out[1] = a;
	s->out[2] = s->arg[0] + 0x100;
	vmpl1_finish(s);
}

static void cpu_main(struct rt_cpu *c)
{
	struct vmpl1 v;

	c->result[0] = smp_apic_id();
	if (!vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		return;
	v.st->arg[0] = c->index;
	c->result[1] = vmpl1_run_to_finish(&v, 16);
	c->result[2] = v.st->out[0];
	c->result[3] = v.st->out[1];
	c->result[4] = v.st->out[2];
}

/** A valid VMPL0 VMSA for an APIC ID that no vCPU has: refused. */
static void create_missing_cpu(void)
{
	struct sev_vmsa *a = smp_page_alloc(true);
	struct ghcb_result r;

	if (!a)
		return;
	smp_vmsa_init(a, (uintptr_t)smp_park, 0, SEV_FEAT_SNP_ACTIVE);
	CHECK_EQ(rmpadjust((uintptr_t)a, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA).eax,
		 RMPADJUST_SUCCESS);
	r = smp_ap_create(SVM_VMGEXIT_AP_CREATE, 0, CPUS, (uintptr_t)a, SEV_FEAT_SNP_ACTIVE);
	CHECK_EQ(r.info1, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2, GHCB_ERR_INVALID_INPUT);
}

PAYLOAD(smp_vmpl, 0)
{
	uint32_t leaf0[4] = { 0, 0, 0, 0 };
	unsigned i;

	vmpl1_setup();
	cpuid_page_lookup(0, 0, leaf0);
	for (i = 1; i < CPUS; i++)
		smp_start_ap(i, i, SEV_FEAT_SNP_ACTIVE, cpu_main);
	create_missing_cpu();
	smp_cpu(0)->apic_id = 0;
	cpu_main(smp_cpu(0));
	for (i = 1; i < CPUS; i++)
		CHECK(smp_wait_flag(&smp_cpu(i)->done, WAIT), "CPU %u did not finish", i);
	for (i = 0; i < CPUS; i++) {
		struct rt_cpu *c = smp_cpu(i);

		CHECK_EQ(c->result[0], c->apic_id);
		CHECK(c->result[1] == 1, "CPU %u: VMPL1 did not finish", i);
		CHECK_EQ(c->result[2], c->apic_id);
		CHECK_EQ(c->result[3], leaf0[0]);
		CHECK_EQ(c->result[4], i + 0x100);
	}
}
