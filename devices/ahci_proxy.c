/* SPDX-License-Identifier: MIT */
/*
 * The AHCI proxy: the guest's commands carried through shadow structures
 * and bounce buffers in shared memory (ahci_proxy.h has the model; the
 * formats are in protocol/ahci.h).
 *
 * Here: the shared area, issuing a guest slot, taking a finished one, and
 * the HBA's interrupt.  The guest's configuration space and its ABAR
 * registers are in ahci_proxy_regs.c.
 */
#include "ahci_proxy_priv.h"

#include <stdarg.h>

#include <lib/bytes.h>
#include <lib/string.h>

void ahci_note(struct ahci_proxy *a, bool hv_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproxy_vlog(a->cfg.ops, a->cfg.ctx, hv_error, fmt, ap);
	va_end(ap);
}

void ahci_proxy_init(struct ahci_proxy *a, const struct ahci_proxy_config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
}

unsigned int ahci_proxy_hbas(const struct ahci_proxy *a)
{
	return a->nhba;
}

/* --- the shared area: AHCI_POOL_GRANULE units, first fit ------------------ */

bool ahci_proxy_set_area(struct ahci_proxy *a, uint8_t *area, uint64_t gpa, uint32_t size)
{
	uint32_t n = size / AHCI_POOL_GRANULE;
	a->map = a->cfg.ops->alloc(a->cfg.ctx, (n + 63) / 64 * sizeof(uint64_t));
	if (!a->map)
		return false;
	a->area = area;
	a->area_gpa = gpa;
	a->area_size = n * AHCI_POOL_GRANULE;
	a->granules = n;
	return true;
}

static bool granule_used(const struct ahci_proxy *a, uint32_t i)
{
	return a->map[i / 64] >> (i % 64) & 1;
}

static void granules_set(struct ahci_proxy *a, uint32_t first, uint32_t n, bool used)
{
	for (uint32_t i = first; i < first + n; i++)
		a->map[i / 64] = used ? a->map[i / 64] | 1ULL << (i % 64)
				      : a->map[i / 64] & ~(1ULL << (i % 64));
}

uint32_t ahci_granules_of(uint32_t bytes)
{
	return bytes ? (uint32_t)(((uint64_t)bytes + AHCI_POOL_GRANULE - 1) / AHCI_POOL_GRANULE)
		     : 1;
}

/** @n free granules in a row: the first, or -1. */
int64_t ahci_area_alloc(struct ahci_proxy *a, uint32_t n)
{
	uint32_t run = 0;
	for (uint32_t i = 0; i < a->granules; i++) {
		run = granule_used(a, i) ? 0 : run + 1;
		if (run == n) {
			granules_set(a, i + 1 - n, n, true);
			return i + 1 - n;
		}
	}
	return -1;
}

static void area_free(struct ahci_proxy *a, uint32_t first, uint32_t n)
{
	granules_set(a, first, n, false);
}

/* --- guest memory ---------------------------------------------------------- */

static void *gptr(struct ahci_proxy *a, uint64_t gpa, uint64_t len)
{
	return a->cfg.ops->guest_ptr(a->cfg.ctx, gpa, len);
}

static uint64_t prd_addr(const struct ahci_prd *e)
{
	return ((uint64_t)e->dbau << 32 | e->dba) & ~1ULL; /* bit 0 reserved */
}

static uint32_t prd_len(const struct ahci_prd *e)
{
	return (e->dw3 & AHCI_PRD_DBC_MASK) + 1;
}

/**
 * Walk the guest's PRDT (@n entries at @t): with @bounce NULL, the bytes it
 * holds, or -1 if an entry is outside the guest's RAM; else copy bytes
 * [@skip, @skip + @bytes) of what it describes between @bounce and the
 * buffers (@to_guest: into them), each entry checked again (the guest may
 * change its PRDT meanwhile; an entry that left its RAM ends the copy, -1).
 */
static int64_t prd_walk(struct ahci_proxy *a, const struct ahci_cmd_table *t, uint32_t n,
			uint8_t *bounce, uint32_t skip, uint32_t bytes, bool to_guest)
{
	uint64_t pos = 0, done = 0;
	for (uint32_t i = 0; i < n && (!bounce || done < bytes); i++) {
		struct ahci_prd e = t->prdt[i];
		uint32_t full = prd_len(&e), from = 0, len = full;
		if (bounce && pos + full <= skip) {
			pos += full;
			continue;
		}
		if (bounce) {
			from = skip > pos ? (uint32_t)(skip - pos) : 0;
			len = full - from < bytes - done ? full - from : (uint32_t)(bytes - done);
		}
		pos += full;
		uint8_t *g = gptr(a, prd_addr(&e) + from, len);
		if (!g)
			return -1;
		if (bounce && to_guest)
			memcpy(g, bounce + done, len);
		else if (bounce)
			memcpy(bounce + done, g, len);
		done += len;
	}
	return (int64_t)done;
}

/* --- the port's shadow structures ------------------------------------------ */

bool ahci_port_shadow(struct ahci_proxy *a, struct ahci_port *p)
{
	if (p->has_shadow)
		return true;
	if (!a->map)
		return false;
	uint32_t n = ahci_granules_of(AHCI_SHADOW_PORT);
	int64_t first = ahci_area_alloc(a, n);
	if (first < 0)
		return false;
	p->shadow = (uint32_t)first * AHCI_POOL_GRANULE;
	memset(a->area + p->shadow, 0, n * AHCI_POOL_GRANULE);
	p->has_shadow = true;
	return true;
}

static struct ahci_cmd_header *shadow_header(struct ahci_proxy *a, const struct ahci_port *p,
					     unsigned int s)
{
	return (struct ahci_cmd_header *)(a->area + p->shadow) + s;
}

static uint32_t shadow_table_off(const struct ahci_port *p, unsigned int s)
{
	return p->shadow + AHCI_SHADOW_TABLES + s * AHCI_SHADOW_TABLE;
}

/** The shadow table's PRDT: @bytes of the bounce buffer at granule
 * @first, in pieces of at most 4 MiB (AHCI 1.3.1 §4.2.3.3); their number. */
static uint32_t shadow_prdt(struct ahci_proxy *a, struct ahci_cmd_table *st, uint32_t first,
			    uint32_t bytes)
{
	uint32_t nprd = 0;
	for (uint32_t off = 0; off < bytes; off += AHCI_PRD_MAX, nprd++) {
		uint32_t len = bytes - off < AHCI_PRD_MAX ? bytes - off : AHCI_PRD_MAX;
		uint64_t dba = a->area_gpa + (uint64_t)first * AHCI_POOL_GRANULE + off;
		st->prdt[nprd] = (struct ahci_prd){ (uint32_t)dba, (uint32_t)(dba >> 32), 0,
						    len - 1 };
	}
	return nprd;
}

/** Slot @s's command table in the guest's memory as its header names it
 * now (*@prdtl: its entries), or NULL. */
static const struct ahci_cmd_table *guest_table(struct ahci_proxy *a, const struct ahci_port *p,
						unsigned int s, uint32_t *prdtl,
						struct ahci_cmd_header **gh)
{
	*gh = gptr(a, p->clb + s * sizeof(**gh), sizeof(**gh));
	if (!*gh)
		return NULL;
	struct ahci_cmd_header hd = **gh;
	*prdtl = hd.dw0 >> AHCI_HDR_PRDTL_SHIFT;
	uint64_t ctba = ((uint64_t)hd.ctbau << 32 | hd.ctba) & ~(uint64_t)(AHCI_CTBA_ALIGN - 1);
	return gptr(a, ctba,
		    sizeof(struct ahci_cmd_table) + (uint64_t)*prdtl * sizeof(struct ahci_prd));
}

/* --- large commands ----------------------------------------------------------
 *
 * Firmware reads a whole file in one command (OVMF's ATA driver up to 65535
 * sectors, 32 MiB).  A read or write above half the bounce area that is a
 * READ/WRITE DMA EXT, or an ATAPI READ(10)/READ(12), is carried in pieces
 * of an eighth of the area, one after the other in the guest's slot, each
 * with its own LBA and count.  Meanwhile the port's "a FIS came" bits
 * (PxIS.DHRS/PSS/DSS/SDBS, which OVMF polls for the end) are the proxy's:
 * a finished piece's are cleared at the HBA and hidden from the guest; the
 * last piece's are the command's.  Only when nothing else runs on the port.
 */
enum { SPLIT_NONE, SPLIT_ATA, SPLIT_READ10, SPLIT_READ12 };

static uint32_t split_above(const struct ahci_proxy *a)
{
	return a->area_size / 2;
}

static uint32_t piece_max(const struct ahci_proxy *a)
{
	return a->area_size / 8 & ~2047u;
}

/** Can the command in @st (@bytes of data) be cut?  Its kind, LBA, block. */
static uint8_t split_kind(const struct ahci_cmd_table *st, bool atapi, uint32_t bytes,
			  uint64_t *lba, uint32_t *block)
{
	const uint8_t *f = st->cfis, *c = st->acmd;
	uint32_t blocks = 0;
	uint8_t kind = SPLIT_NONE;
	if (f[0] != SATA_FIS_H2D)
		return SPLIT_NONE;
	if (!atapi &&
	    (f[SATA_FIS_CMD] == ATA_CMD_READ_DMA_EXT || f[SATA_FIS_CMD] == ATA_CMD_WRITE_DMA_EXT)) {
		*lba = 0;
		for (unsigned int i = 0; i < 3; i++) /* little endian, §10.3.4 */
			*lba |= (uint64_t)f[SATA_FIS_LBA_LO + i] << 8 * i |
				(uint64_t)f[SATA_FIS_LBA_HI + i] << (24 + 8 * i);
		blocks = f[SATA_FIS_COUNT] | f[SATA_FIS_COUNT + 1] << 8;
		kind = SPLIT_ATA;
		if (!blocks)
			blocks = 65536; /* ATA8-ACS §7.22: 0 is 65536 */
	} else if (atapi && f[SATA_FIS_CMD] == ATA_CMD_PACKET &&
		   (c[0] == SCSI_READ_10 || c[0] == SCSI_READ_12)) {
		*lba = (uint32_t)be_get(c + 2, 4);
		blocks = c[0] == SCSI_READ_10 ? (uint32_t)be_get(c + 7, 2)
					      : (uint32_t)be_get(c + 6, 4);
		kind = c[0] == SCSI_READ_10 ? SPLIT_READ10 : SPLIT_READ12;
	}
	if (kind == SPLIT_NONE || !blocks || bytes % blocks)
		return SPLIT_NONE;
	*block = bytes / blocks;
	return *block == 512 || *block == 2048 ? kind : SPLIT_NONE;
}

/** Point slot @s's shadow command at its next piece (and copy a write's
 * data in); false if the guest's buffers left its RAM. */
static bool piece_start(struct ahci_proxy *a, struct ahci_port *p, unsigned int s)
{
	struct ahci_slot *sl = &p->slot[s];
	struct ahci_cmd_table *st = (struct ahci_cmd_table *)(a->area + shadow_table_off(p, s));
	uint32_t left = sl->bytes - sl->done;
	sl->piece = left < piece_max(a) ? left : piece_max(a);
	uint64_t lba = sl->lba + sl->done / sl->block;
	uint32_t n = sl->piece / sl->block;
	if (sl->split == SPLIT_ATA) {
		/* the FIS's LBA bytes are little endian (Serial ATA 3.0 §10.3.4) */
		for (unsigned int i = 0; i < 3; i++) {
			st->cfis[SATA_FIS_LBA_LO + i] = (uint8_t)(lba >> 8 * i);
			st->cfis[SATA_FIS_LBA_HI + i] = (uint8_t)(lba >> (24 + 8 * i));
		}
		st->cfis[SATA_FIS_COUNT] = (uint8_t)n;
		st->cfis[SATA_FIS_COUNT + 1] = (uint8_t)(n >> 8);
	} else {
		be_put(st->acmd + 2, 4, lba);
		if (sl->split == SPLIT_READ10)
			be_put(st->acmd + 7, 2, n);
		else
			be_put(st->acmd + 6, 4, n);
	}
	struct ahci_cmd_header *sh = shadow_header(a, p, s);
	sh->dw0 = (sh->dw0 & 0xFFFFu) | shadow_prdt(a, st, sl->first, sl->piece)
						<< AHCI_HDR_PRDTL_SHIFT;
	sh->prdbc = 0;
	if (!sl->to_device)
		return true;
	uint32_t prdtl;
	struct ahci_cmd_header *gh;
	const struct ahci_cmd_table *t = guest_table(a, p, s, &prdtl, &gh);
	if (!t || prd_walk(a, t, prdtl, a->area + (uint64_t)sl->first * AHCI_POOL_GRANULE, sl->done,
			   sl->piece, false) != sl->piece)
		return false;
	a->stats.bytes_to_device += sl->piece;
	return true;
}

/* --- refusing, issuing, finishing a slot ----------------------------------- */

/** What the HBA does with a bad software pointer (AHCI 1.3.1 §3.3.5 HBFS,
 * §6.1.2): the port stops taking commands, PxIS.HBFS and TFES, the task
 * file shows ERR and ABRT, until the guest stops the port. */
static void refuse(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, unsigned int s,
		   const char *why, uint64_t val)
{
	struct ahci_port *p = h->port[pn];
	a->stats.refused++;
	if (!p->err_tfd)
		ahci_note(a, false, "AHCI %02x:%02x.%x port %u slot %u: %s (%#lx): host bus error",
			  h->bdf >> 8, (h->bdf >> 3) & 0x1F, h->bdf & 7, pn, s, why,
			  (unsigned long)val);
	p->err_is |= AHCI_PX_IS_HBFS | AHCI_PX_IS_TFES;
	p->err_tfd = true;
	if ((ahci_rd(a, h, AHCI_GHC) & AHCI_GHC_IE) &&
	    (ahci_rd(a, h, ahci_port_reg(pn, AHCI_PX_IE)) & p->err_is))
		ahci_raise(a, h);
}

enum issue { ISSUED, DEFERRED, REFUSED };

static enum issue issue_slot(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn,
			     unsigned int s)
{
	struct ahci_port *p = h->port[pn];
	const struct ahci_cmd_header *gh = gptr(a, p->clb + s * sizeof(*gh), sizeof(*gh));
	if (!gh) {
		refuse(a, h, pn, s, "command list outside the guest's RAM", p->clb);
		return REFUSED;
	}
	struct ahci_cmd_header hd = *gh; /* one read: the guest may change it */
	uint32_t cfl = hd.dw0 & AHCI_HDR_CFL_MASK, prdtl = hd.dw0 >> AHCI_HDR_PRDTL_SHIFT;
	if (cfl < AHCI_CFL_MIN || cfl > AHCI_CFL_MAX) {
		refuse(a, h, pn, s, "command FIS length outside 2..16 DWORDs", cfl);
		return REFUSED;
	}
	uint64_t ctba = ((uint64_t)hd.ctbau << 32 | hd.ctba) & ~(uint64_t)(AHCI_CTBA_ALIGN - 1);
	const struct ahci_cmd_table *t =
		gptr(a, ctba, sizeof(*t) + (uint64_t)prdtl * sizeof(struct ahci_prd));
	if (!t) {
		refuse(a, h, pn, s, "command table outside the guest's RAM", ctba);
		return REFUSED;
	}
	int64_t bytes = prd_walk(a, t, prdtl, NULL, 0, 0, false);
	if (bytes < 0) {
		refuse(a, h, pn, s, "a data buffer outside the guest's RAM", prdtl);
		return REFUSED;
	}
	if (p->draining >> s & 1)
		return DEFERRED; /* its old bounce buffer is not ours yet */
	/* the shadow command table: the guest's FIS and ATAPI command (read
	 * once, here), then a PRDT naming the bounce buffer */
	uint32_t toff = shadow_table_off(p, s);
	struct ahci_cmd_table *st = (struct ahci_cmd_table *)(a->area + toff);
	memcpy(st, t, sizeof(*st));
	struct ahci_slot *sl = &p->slot[s];
	*sl = (struct ahci_slot){ .bytes = (uint32_t)bytes, .to_device = hd.dw0 & AHCI_HDR_WRITE };
	if ((uint64_t)bytes > split_above(a))
		sl->split = split_kind(st, hd.dw0 & AHCI_HDR_ATAPI, (uint32_t)bytes, &sl->lba,
				       &sl->block);
	uint64_t room = a->granules * (uint64_t)AHCI_POOL_GRANULE;
	if (!sl->split && ((uint64_t)bytes > AHCI_SHADOW_PRDS * (uint64_t)AHCI_PRD_MAX ||
			   (uint64_t)bytes > room)) {
		refuse(a, h, pn, s, "more data than the bounce area holds", (uint64_t)bytes);
		return REFUSED;
	}
	if (sl->split && p->issued)
		return DEFERRED; /* in pieces only alone on the port */
	uint32_t buf = sl->split ? piece_max(a) : (uint32_t)bytes;
	uint32_t n = ahci_granules_of(buf);
	int64_t first = buf ? ahci_area_alloc(a, n) : 0;
	if (first < 0)
		return DEFERRED;
	sl->first = (uint32_t)first;
	sl->granules = buf ? n : 0;
	struct ahci_cmd_header *sh = shadow_header(a, p, s);
	uint64_t tgpa = a->area_gpa + toff;
	*sh = (struct ahci_cmd_header){
		.dw0 = hd.dw0 & 0xFFFFu,
		.ctba = (uint32_t)tgpa,
		.ctbau = (uint32_t)(tgpa >> 32),
	};
	if (sl->split) {
		if (!piece_start(a, p, s)) {
			area_free(a, sl->first, sl->granules);
			sl->granules = 0;
			refuse(a, h, pn, s, "a data buffer outside the guest's RAM", prdtl);
			return REFUSED;
		}
		p->split |= 1u << s;
		a->stats.commands++;
		return ISSUED;
	}
	uint8_t *bounce = a->area + (uint64_t)first * AHCI_POOL_GRANULE;
	if (bytes && sl->to_device) {
		if (prd_walk(a, t, prdtl, bounce, 0, (uint32_t)bytes, false) != bytes) {
			area_free(a, sl->first, sl->granules);
			sl->granules = 0;
			refuse(a, h, pn, s, "a data buffer outside the guest's RAM", prdtl);
			return REFUSED;
		}
		a->stats.bytes_to_device += (uint64_t)bytes;
	}
	sh->dw0 |= shadow_prdt(a, st, sl->first, (uint32_t)bytes) << AHCI_HDR_PRDTL_SHIFT;
	sl->queued = st->cfis[0] == SATA_FIS_H2D &&
		     (st->cfis[SATA_FIS_CMD] == ATA_CMD_READ_FPDMA_QUEUED ||
		      st->cfis[SATA_FIS_CMD] == ATA_CMD_WRITE_FPDMA_QUEUED);
	a->stats.commands++;
	return ISSUED;
}

/** Issue what the guest issued and the proxy holds (in slot order). */
void ahci_issue_pending(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn)
{
	struct ahci_port *p = h->port[pn];
	uint32_t newly = 0;
	for (unsigned int s = 0; s < AHCI_SLOTS && p->pending && !p->err_tfd; s++) {
		if (!(p->pending >> s & 1))
			continue;
		enum issue r = issue_slot(a, h, pn, s);
		if (r == DEFERRED) {
			if (!(p->deferred >> s & 1))
				a->stats.deferred++;
			p->deferred |= 1u << s;
		} else if (r == ISSUED) {
			p->pending &= ~(1u << s);
			p->deferred &= ~(1u << s);
			p->issued |= 1u << s;
			newly |= 1u << s;
		}
	}
	if (newly) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_CI), newly);
	}
}

/** The HBA's PRD byte count for slot @s, which must not exceed @given. */
static uint32_t device_count(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn,
			     unsigned int s, uint32_t given)
{
	uint32_t n = __atomic_load_n(&shadow_header(a, h->port[pn], s)->prdbc, __ATOMIC_RELAXED);
	if (n > given) {
		ahci_note(a, true,
			  "AHCI %02x:%02x.%x port %u slot %u: the HBA reported %u bytes "
			  "transferred of %u",
			  h->bdf >> 8, (h->bdf >> 3) & 0x1F, h->bdf & 7, pn, s, n, given);
		n = given;
	}
	return n;
}

/** Copy @bytes of slot @s's bounce buffer into the guest's buffers, from
 * byte @skip of what its PRDT describes. */
static void copy_back(struct ahci_proxy *a, struct ahci_port *p, unsigned int s, uint32_t skip,
		      uint32_t bytes)
{
	uint32_t prdtl;
	struct ahci_cmd_header *gh;
	const struct ahci_cmd_table *t = guest_table(a, p, s, &prdtl, &gh);
	int64_t n = t && bytes ? prd_walk(a, t, prdtl,
					  a->area + (uint64_t)p->slot[s].first * AHCI_POOL_GRANULE,
					  skip, bytes, true)
			       : 0;
	a->stats.bytes_to_guest += n > 0 ? (uint64_t)n : 0;
}

/** A piece of slot @s finished: copy it; start the next one (true), or the
 * command is done (false: all of it, or the HBA moved less than asked). */
static bool piece_done(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, unsigned int s)
{
	struct ahci_port *p = h->port[pn];
	struct ahci_slot *sl = &p->slot[s];
	uint32_t n = device_count(a, h, pn, s, sl->piece);
	if (!sl->to_device)
		copy_back(a, p, s, sl->done, n);
	sl->done += n;
	a->stats.split_pieces++;
	if (n < sl->piece || sl->done == sl->bytes)
		return false;
	/* this piece's FIS bits are not the guest's (see "Large commands") */
	ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_IS), AHCI_PX_IS_DONE);
	ahci_wr(a, h, AHCI_IS, 1u << pn);
	if (!piece_start(a, p, s))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_CI), 1u << s);
	return true;
}

static void finish_slot(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, unsigned int s)
{
	struct ahci_port *p = h->port[pn];
	struct ahci_slot *sl = &p->slot[s];
	uint32_t done = sl->split ? sl->done : device_count(a, h, pn, s, sl->bytes);
	/* An NCQ command's PRD byte count may stay 0 (AHCI 1.3.1 §5.4.2,
	 * FPDMA: the HBA need not update it): all of it came.  A command in
	 * pieces was copied piece by piece. */
	uint32_t back = sl->to_device || sl->split ? 0 : done || !sl->queued ? done : sl->bytes;
	copy_back(a, p, s, 0, back);
	uint32_t prdtl;
	struct ahci_cmd_header *gh;
	guest_table(a, p, s, &prdtl, &gh);
	if (gh)
		gh->prdbc = done;
	if (sl->granules)
		area_free(a, sl->first, sl->granules);
	sl->granules = 0;
	p->issued &= ~(1u << s);
	p->split &= ~(1u << s);
	a->stats.completions++;
}

/** The port stopped (PxCMD.ST cleared, or an HBA reset): the HBA forgets
 * its commands; their bounce buffers are freed once PxCMD.CR reads 0. */
void ahci_port_stopped(struct ahci_port *p)
{
	p->draining |= p->issued;
	p->issued = p->pending = p->deferred = p->split = 0;
	p->err_tfd = false;
}

/** The draining bounce buffers are ours again if the list is no longer
 * running (AHCI 1.3.1 §3.3.7 CR). */
void ahci_drain(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t cmd)
{
	struct ahci_port *p = h->port[pn];
	if (!p->draining || (cmd & AHCI_PX_CMD_CR))
		return;
	for (unsigned int s = 0; s < AHCI_SLOTS; s++)
		if ((p->draining >> s & 1) && p->slot[s].granules) {
			area_free(a, p->slot[s].first, p->slot[s].granules);
			p->slot[s].granules = 0;
		}
	p->draining = 0;
}

void ahci_harvest(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t *ci_out,
		  uint32_t *sact_out)
{
	struct ahci_port *p = h->port[pn];
	uint32_t ci = 0, sact = 0;
	if (p->issued || ci_out || sact_out) {
		sact = ahci_rd(a, h, ahci_port_reg(pn, AHCI_PX_SACT));
		ci = ahci_rd(a, h, ahci_port_reg(pn, AHCI_PX_CI));
	}
	uint32_t done = p->issued & ~ci & ~sact;
	for (unsigned int s = 0; done; s++, done >>= 1)
		if ((done & 1) && !((p->split >> s & 1) && piece_done(a, h, pn, s)))
			finish_slot(a, h, pn, s);
	uint32_t running = p->issued; /* as of the snapshot */
	if (p->draining)
		ahci_drain(a, h, pn, ahci_rd(a, h, ahci_port_reg(pn, AHCI_PX_CMD)));
	struct ahci_rx_fis *g = p->fre && p->has_shadow ? gptr(a, p->fb, sizeof(*g)) : NULL;
	if (g)
		memcpy(g, a->area + p->shadow + AHCI_CMD_LIST_BYTES, sizeof(*g));
	if (p->pending)
		ahci_issue_pending(a, h, pn);
	if (ci_out)
		*ci_out = (ci & running) | (p->issued & ~running) | (p->issued & p->split) |
			  p->pending;
	if (sact_out)
		*sact_out = sact;
}

void ahci_harvest_hba(struct ahci_proxy *a, struct ahci_hba *h)
{
	for (unsigned int pn = 0; pn < AHCI_PORTS; pn++)
		if (h->port[pn])
			ahci_harvest(a, h, pn, NULL, NULL);
}

/* --- the guest's interrupt -------------------------------------------------- */

void ahci_raise(struct ahci_proxy *a, struct ahci_hba *h)
{
	if (!(h->msi_ctrl & PCI_MSI_CTRL_ENABLE)) {
		if (!a->intx_noted)
			ahci_note(a, false,
				  "AHCI: the guest uses INTx; the proxy's own error status "
				  "reaches it at its next read of PxIS");
		a->intx_noted = true;
		return;
	}
	a->stats.guest_msis++;
	a->cfg.ops->guest_msi(a->cfg.ctx, (uint64_t)h->msi_addr_hi << 32 | h->msi_addr_lo,
			      h->msi_data);
}

void ahci_proxy_interrupt(struct ahci_proxy *a)
{
	for (unsigned int i = 0; i < a->nhba; i++) {
		struct ahci_hba *h = a->hba[i];
		uint64_t finished = a->stats.completions;
		ahci_harvest_hba(a, h);
		/* the HBA's MSI for a piece that is not the last is not the
		 * guest's: while a command is in pieces, only its end is */
		bool pieces = false;
		for (unsigned int pn = 0; pn < AHCI_PORTS; pn++)
			pieces |= h->port[pn] && h->port[pn]->split;
		if (!pieces || a->stats.completions != finished)
			ahci_raise(a, h);
	}
}
