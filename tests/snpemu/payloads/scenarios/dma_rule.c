// SPDX-License-Identifier: MIT
/* The DMA rule: a device reaches shared pages only (on SNP hosts the IOMMU
 * refuses DMA at guest-owned pages).  QEMU's edu device (--device edu),
 * found through the PCI config ports and driven through GHCB MMIO, copies
 * one page at a time between RAM and its 4 KiB buffer:
 *  (a) shared page -> buffer -> another shared page: the data arrives;
 *  (b) buffer -> private, validated page: refused, the page is unchanged;
 *  (c) private page -> buffer -> shared page: refused, the secret never
 *      leaves the private page;
 *  (d) buffer -> a page used for DMA while shared, converted back to private
 *      and validated: refused (no stale IOMMU translation).
 * First the guest tries to switch the IOMMU off through GHCB MMIO: its
 * registers are not there for the guest.
 * snpemu logs each refusal; the test checks those log lines. */
#include <lib/string.h>

#include "rt.h"

#define PCI_CONFIG_ADDR 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_REG_ID	0x00
#define PCI_REG_COMMAND 0x04
#define PCI_REG_BAR0	0x10
#define PCI_CMD_MEMORY	0x2
#define PCI_CMD_MASTER	0x4

#define EDU_PCI_ID     0x11E81234u /* device 0x11e8, vendor 0x1234 */
/* BAR0 (1 MiB): in q35's 32-bit PCI hole, below the IOAPIC at 0xFEC00000;
 * nothing else is there (no firmware assigned any BAR). */
#define EDU_BAR_GPA    0xFE000000ull
#define EDU_REG_ID     0x00 /* 32-bit: 0x010000ed */
#define EDU_ID_VALUE   0x010000EDu
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_CNT    0x90
#define EDU_DMA_CMD    0x98
#define EDU_CMD_RUN    0x1
#define EDU_CMD_TO_RAM 0x2	  /* buffer -> RAM; clear: RAM -> buffer */
#define EDU_BUF	       0x40000ull /* the device's buffer, device address */
#define EDU_DMA_POLLS  200000u	  /* edu completes 100 ms after RUN */

#define DMAR_GPA  0xFED90000ull /* q35's VT-d unit: the hypervisor's */
#define DMAR_VER  0x00
#define DMAR_GCMD 0x18

#define PAGE	   4096u
#define QWORDS	   (PAGE / 8)
/* QEMU 7.2's edu stops the whole emulator (hw_error) on a transfer that
 * ends at the end of its buffer (an off-by-one): copy all but a qword. */
#define DMA_BYTES  (PAGE - 8)
#define DMA_QWORDS (DMA_BYTES / 8)
#define SRC_GPA	   (PAYLOAD_SCRATCH_GPA + 0x600000) /* below edu's 28-bit mask */
#define DST_GPA	   (SRC_GPA + 0x1000)
#define PRIV_GPA   (SRC_GPA + 0x2000)

static unsigned edu_dev = 32;

static uint32_t cfg_read32(unsigned dev, unsigned reg)
{
	uint32_t val = ~0u;

	CHECK(ghcb_ioio_out(PCI_CONFIG_ADDR, 4, 0x80000000u | dev << 11 | reg) &&
		      ghcb_ioio_in(PCI_CONFIG_DATA, 4, &val),
	      "PCI config read failed");
	return val;
}

static void cfg_write(unsigned dev, unsigned reg, unsigned size, uint32_t val)
{
	CHECK(ghcb_ioio_out(PCI_CONFIG_ADDR, 4, 0x80000000u | dev << 11 | reg) &&
		      ghcb_ioio_out(PCI_CONFIG_DATA, size, val),
	      "PCI config write failed");
}

static void edu_write(unsigned reg, uint64_t val)
{
	CHECK(ghcb_mmio_write(EDU_BAR_GPA + reg, &val, 8), "edu write %#x", reg);
}

static uint64_t edu_read(unsigned reg)
{
	uint64_t val = ~0ull;

	CHECK(ghcb_mmio_read(EDU_BAR_GPA + reg, &val, 8), "edu read %#x", reg);
	return val;
}

/** One page by edu DMA; true once the device reports it done. */
static bool edu_dma(uint64_t src, uint64_t dst, uint64_t dir)
{
	edu_write(EDU_DMA_SRC, src);
	edu_write(EDU_DMA_DST, dst);
	edu_write(EDU_DMA_CNT, DMA_BYTES);
	edu_write(EDU_DMA_CMD, EDU_CMD_RUN | dir);
	for (unsigned i = 0; i < EDU_DMA_POLLS; i++)
		if (!(edu_read(EDU_DMA_CMD) & EDU_CMD_RUN))
			return true;
	CHECK(false, "edu DMA %#llx -> %#llx not done after %u polls", (unsigned long long)src,
	      (unsigned long long)dst, EDU_DMA_POLLS);
	return false;
}

static bool edu_setup(void)
{
	uint32_t id = 0;

	for (unsigned dev = 0; dev < 32 && edu_dev == 32; dev++)
		if (cfg_read32(dev, PCI_REG_ID) == EDU_PCI_ID)
			edu_dev = dev;
	CHECK(edu_dev < 32, "no edu device on PCI bus 0 (QEMU -device edu)");
	if (edu_dev == 32)
		return false;
	cfg_write(edu_dev, PCI_REG_BAR0, 4, (uint32_t)EDU_BAR_GPA);
	CHECK_EQ(cfg_read32(edu_dev, PCI_REG_BAR0), EDU_BAR_GPA);
	cfg_write(edu_dev, PCI_REG_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	CHECK(ghcb_mmio_read(EDU_BAR_GPA + EDU_REG_ID, &id, 4), "edu ID read");
	CHECK_EQ(id, EDU_ID_VALUE);
	con_printf("edu at 00:%02x.0, BAR0 %#llx\n", edu_dev, EDU_BAR_GPA);
	return id == EDU_ID_VALUE;
}

static void fill(volatile uint64_t *p, uint64_t tag)
{
	for (unsigned i = 0; i < QWORDS; i++)
		p[i] = tag | i;
}

/** Of the first @count qwords of @p, those that differ from fill(@tag). */
static unsigned differ(const volatile uint64_t *p, uint64_t tag, unsigned count)
{
	unsigned n = 0;

	for (unsigned i = 0; i < count; i++)
		n += p[i] != (tag | i);
	return n;
}

#define TAG_SHARED   0x5A5A000000000000ull
#define TAG_SECRET   0x5EC7000000000000ull
#define TAG_PRIVATE2 0x7777000000000000ull

PAYLOAD(dma_rule, 0)
{
	volatile uint64_t *src = gpa_shared(SRC_GPA);
	volatile uint64_t *dst = gpa_shared(DST_GPA);
	volatile uint64_t *priv = gpa_private(PRIV_GPA);

	uint32_t val = 0;

	if (!edu_setup())
		return;
	CHECK(ghcb_mmio_read(DMAR_GPA + DMAR_VER, &val, 4), "VT-d version read");
	CHECK_EQ(val, 0xFFFFFFFFu);
	val = 0; /* translation enable off */
	CHECK(ghcb_mmio_write(DMAR_GPA + DMAR_GCMD, &val, 4), "VT-d command write");
	/* Never validated, so nothing to rescind; this also splits the 2 MiB
	 * RMP entry, so PRIV_GPA can be validated as a 4 KiB page. */
	CHECK_EQ(ghcb_msr_psc(SRC_GPA, PSC_OP_SHARED), 0);
	CHECK_EQ(ghcb_msr_psc(DST_GPA, PSC_OP_SHARED), 0);
	CHECK_SNP(pvalidate(PRIV_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);

	/* (a) shared -> device -> shared */
	fill(src, TAG_SHARED);
	if (edu_dma(SRC_GPA, EDU_BUF, 0) && edu_dma(EDU_BUF, DST_GPA, EDU_CMD_TO_RAM))
		CHECK(differ(dst, TAG_SHARED, DMA_QWORDS) == 0, "(a) %u qwords did not arrive",
		      differ(dst, TAG_SHARED, DMA_QWORDS));

	/* (b) device -> private page: refused */
	fill(priv, TAG_SECRET);
	edu_dma(EDU_BUF, PRIV_GPA, EDU_CMD_TO_RAM);
	CHECK(differ(priv, TAG_SECRET, QWORDS) == 0, "(b) DMA changed %u qwords of a private page",
	      differ(priv, TAG_SECRET, QWORDS));

	/* (c) private page -> device -> shared: the secret stays */
	fill(priv, TAG_SECRET);
	edu_dma(PRIV_GPA, EDU_BUF, 0);
	edu_dma(EDU_BUF, DST_GPA, EDU_CMD_TO_RAM);
	CHECK(differ(dst, TAG_SECRET, DMA_QWORDS) == DMA_QWORDS,
	      "(c) DMA read %u qwords of a private page",
	      DMA_QWORDS - differ(dst, TAG_SECRET, DMA_QWORDS));
	con_printf("(c) device buffer after the refused read: %#llx\n", (unsigned long long)dst[0]);

	/* (d) a page DMA reached while shared, private again: refused */
	CHECK_EQ(ghcb_msr_psc(DST_GPA, PSC_OP_PRIVATE), 0);
	CHECK_SNP(pvalidate(DST_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	fill(gpa_private(DST_GPA), TAG_PRIVATE2);
	edu_dma(EDU_BUF, DST_GPA, EDU_CMD_TO_RAM);
	CHECK(differ(gpa_private(DST_GPA), TAG_PRIVATE2, QWORDS) == 0,
	      "(d) DMA changed %u qwords of a page made private again",
	      differ(gpa_private(DST_GPA), TAG_PRIVATE2, QWORDS));
}
