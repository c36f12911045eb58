/* SPDX-License-Identifier: MIT */
/*
 * mkigvm: host tool that writes IGVM files and prints their SNP launch
 * digest.
 *
 *   mkigvm payload --elf PAYLOAD.elf --out OUT.igvm [--cbit N]
 *   mkigvm paravisor --pv PARAVISOR.elf --ovmf OVMF.fd --out OUT.igvm
 *   mkigvm digest FILE.igvm
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm_parse.h"
#include "measure.h"
#include "paravisor.h"
#include "paravisor_layout.h"
#include "payload.h"
#include "payload_layout.h"

#define EXIT_USAGE 2
/** Inputs are bounded by IGVM's uint32_t total_file_size. */
#define MAX_INPUT  0xFFFFFFFFul

static const char usage_text[] =
	"usage: mkigvm payload --elf PAYLOAD.elf --out OUT.igvm [--cbit N]\n"
	"       mkigvm paravisor --pv PARAVISOR.elf --ovmf OVMF.fd --out OUT.igvm\n"
	"       mkigvm digest FILE.igvm\n"
	"       mkigvm --help\n"
	"\n"
	"payload    pack an snpemu payload ELF into an IGVM file laid out as\n"
	"           protocol/payload_layout.h describes (C-bit N, default %d)\n"
	"paravisor  pack the paravisor ELF (PT_LOAD by p_paddr, within\n"
	"           [0x%llx, 0x%llx)) and the unmodified bytes of OVMF.fd\n"
	"           (a multiple of 4 KiB, at most 16 MiB, placed to end at\n"
	"           4 GiB) as protocol/paravisor_layout.h describes; the\n"
	"           paravisor starts at VMPL0 in 32-bit protected mode at its\n"
	"           ELF entry point (docs/images.md)\n"
	"digest     validate an IGVM file and print its SNP launch digest\n"
	"\n"
	"All print 'launch digest: <96 hex digits>' on stdout.\n";

static void usage(FILE *out)
{
	fprintf(out, usage_text, PAYLOAD_CBIT, PV_IMAGE_GPA, PV_LAUNCH_END);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = NULL;

	if (!f) {
		fprintf(stderr, "mkigvm: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t *np = realloc(p, cap);

		if (!np)
			break;
		p = np;
		n += fread(p + n, 1, cap - n, f);
		if (n < cap || cap > MAX_INPUT)
			break;
		cap *= 2;
	}
	if (!p || ferror(f) || n > MAX_INPUT) {
		fprintf(stderr, "mkigvm: cannot read %s\n", path);
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	size_t tlen = strlen(path) + 5;
	char *tmp = malloc(tlen);
	FILE *f;
	int ok;

	if (!tmp)
		return -1;
	snprintf(tmp, tlen, "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "mkigvm: cannot create %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fwrite(buf, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "mkigvm: cannot write %s: %s\n", path, strerror(errno));
		remove(tmp);
	}
	free(tmp);
	return ok ? 0 : -1;
}

/** Parse, validate and measure @buf; print the digest line. */
static int print_digest(const char *name, const uint8_t *buf, size_t len)
{
	struct igvm_file f;
	struct mk_err err = { "" };
	uint8_t digest[SNP_DIGEST_SIZE];
	char hex[2 * SNP_DIGEST_SIZE + 1];

	if (igvm_parse(buf, len, &f, &err) || snp_measure_igvm(&f, digest, &err)) {
		fprintf(stderr, "mkigvm: %s: %s\n", name, err.msg);
		return -1;
	}
	igvm_file_free(&f);
	snp_digest_hex(digest, hex);
	printf("launch digest: %s\n", hex);
	return 0;
}

static int cmd_digest(int argc, char **argv)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (read_file(argv[1], &buf, &len))
		return EXIT_FAILURE;
	rc = print_digest(argv[1], buf, len);
	free(buf);
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int parse_cbit(const char *s, unsigned *cbit)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v < PAYLOAD_CBIT_MIN || v > PAYLOAD_CBIT_MAX) {
		fprintf(stderr, "mkigvm: --cbit must be a number in [%d, %d]\n", PAYLOAD_CBIT_MIN,
			PAYLOAD_CBIT_MAX);
		return -1;
	}
	*cbit = (unsigned)v;
	return 0;
}

/** Write the built file and print its digest; frees @igvm. */
static int write_image(const char *out_path, uint8_t *igvm, size_t len)
{
	int rc = write_file(out_path, igvm, len);

	if (rc == 0)
		rc = print_digest(out_path, igvm, len);
	free(igvm);
	return rc;
}

static int pack_payload(const char *elf_path, const char *out_path, unsigned cbit)
{
	struct mk_err err = { "" };
	uint8_t *elf, *igvm;
	size_t elf_len, igvm_len;
	int rc = -1;

	if (read_file(elf_path, &elf, &elf_len))
		return -1;
	if (payload_build(elf, elf_len, cbit, &igvm, &igvm_len, &err))
		fprintf(stderr, "mkigvm: %s: %s\n", elf_path, err.msg);
	else
		rc = write_image(out_path, igvm, igvm_len);
	free(elf);
	return rc;
}

/** Read the firmware file and check its size. */
static int read_firmware(const char *path, uint8_t **buf, size_t *len)
{
	struct mk_err err = { "" };

	if (read_file(path, buf, len))
		return -1;
	if (paravisor_check_firmware(*len, &err) == 0)
		return 0;
	fprintf(stderr, "mkigvm: %s: %s\n", path, err.msg);
	free(*buf);
	return -1;
}

static int pack_paravisor(const char *pv_path, const char *fw_path, const char *out_path)
{
	struct mk_err err = { "" };
	uint8_t *elf, *fw, *igvm;
	size_t elf_len, fw_len, igvm_len;
	int rc = -1;

	if (read_file(pv_path, &elf, &elf_len))
		return -1;
	if (read_firmware(fw_path, &fw, &fw_len)) {
		free(elf);
		return -1;
	}
	if (paravisor_build(elf, elf_len, fw, fw_len, &igvm, &igvm_len, &err))
		fprintf(stderr, "mkigvm: %s: %s\n", pv_path, err.msg);
	else
		rc = write_image(out_path, igvm, igvm_len);
	free(elf);
	free(fw);
	return rc;
}

/** Complain about the command line of @cmd and print the usage. */
static int bad_usage(const char *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "mkigvm %s: %s%s\n", cmd, what, arg);
	usage(stderr);
	return -1;
}

/**
 * getopt_long over @opts, whose val fields index @vals: vals[val] = the
 * argument.  Bit val of @required: the option must be given.  No operand
 * may follow.
 */
static int parse_opts(int argc, char **argv, const struct option *opts, const char **vals,
		      unsigned required)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?')
			return bad_usage(argv[0], "bad option", "");
		vals[c] = optarg;
	}
	if (optind != argc)
		return bad_usage(argv[0], "unexpected argument ", argv[optind]);
	for (size_t i = 0; opts[i].name; i++)
		if ((required >> opts[i].val & 1) && !vals[opts[i].val])
			return bad_usage(argv[0], "missing --", opts[i].name);
	return 0;
}

static int cmd_payload(int argc, char **argv)
{
	enum { ELF, OUT, CBIT, N };
	static const struct option opts[] = {
		{ "elf", required_argument, NULL, ELF },
		{ "out", required_argument, NULL, OUT },
		{ "cbit", required_argument, NULL, CBIT },
		{ NULL, 0, NULL, 0 },
	};
	const char *v[N] = { NULL };
	unsigned cbit = PAYLOAD_CBIT;

	if (parse_opts(argc, argv, opts, v, 1u << ELF | 1u << OUT) ||
	    (v[CBIT] && parse_cbit(v[CBIT], &cbit)))
		return EXIT_USAGE;
	return pack_payload(v[ELF], v[OUT], cbit) ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int cmd_paravisor(int argc, char **argv)
{
	enum { PV, OVMF, OUT, N };
	static const struct option opts[] = {
		{ "pv", required_argument, NULL, PV },
		{ "ovmf", required_argument, NULL, OVMF },
		{ "out", required_argument, NULL, OUT },
		{ NULL, 0, NULL, 0 },
	};
	const char *v[N] = { NULL };

	if (parse_opts(argc, argv, opts, v, 1u << PV | 1u << OVMF | 1u << OUT))
		return EXIT_USAGE;
	return pack_paravisor(v[PV], v[OVMF], v[OUT]) ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (!strcmp(argv[1], "payload"))
		return cmd_payload(argc - 1, argv + 1);
	if (!strcmp(argv[1], "paravisor"))
		return cmd_paravisor(argc - 1, argv + 1);
	if (!strcmp(argv[1], "digest"))
		return cmd_digest(argc - 1, argv + 1);
	fprintf(stderr, "mkigvm: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
