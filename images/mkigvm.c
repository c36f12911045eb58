/* SPDX-License-Identifier: MIT */
/*
 * mkigvm: host tool that writes IGVM files and prints their SNP launch
 * digest.
 *
 *   mkigvm payload --elf PAYLOAD.elf --out OUT.igvm [--cbit N]
 *   mkigvm digest FILE.igvm
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm_parse.h"
#include "measure.h"
#include "payload.h"
#include "payload_layout.h"

#define EXIT_USAGE      2
/** Inputs are bounded by IGVM's u32 total_file_size. */
#define MAX_INPUT       0xFFFFFFFFul

static const char usage_text[] =
	"usage: mkigvm payload --elf PAYLOAD.elf --out OUT.igvm [--cbit N]\n"
	"       mkigvm digest FILE.igvm\n"
	"       mkigvm --help\n"
	"\n"
	"payload  pack an snpemu payload ELF into an IGVM file laid out as\n"
	"         protocol/payload_layout.h describes (C-bit N, default %d)\n"
	"digest   validate an IGVM file and print its SNP launch digest\n"
	"\n"
	"Both print 'launch digest: <96 hex digits>' on stdout.\n";

static void usage(FILE *out)
{
	fprintf(out, usage_text, PAYLOAD_CBIT);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = NULL;

	if (!f) {
		fprintf(stderr, "mkigvm: cannot open %s: %s\n", path,
			strerror(errno));
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
		fprintf(stderr, "mkigvm: cannot create %s: %s\n", tmp,
			strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fwrite(buf, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "mkigvm: cannot write %s: %s\n", path,
			strerror(errno));
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

	if (igvm_parse(buf, len, &f, &err) ||
	    snp_measure_igvm(&f, digest, &err)) {
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
	if (errno || *s == '\0' || *end != '\0' || v < PAYLOAD_CBIT_MIN ||
	    v > PAYLOAD_CBIT_MAX) {
		fprintf(stderr, "mkigvm: --cbit must be a number in [%d, %d]\n",
			PAYLOAD_CBIT_MIN, PAYLOAD_CBIT_MAX);
		return -1;
	}
	*cbit = (unsigned)v;
	return 0;
}

static int pack_payload(const char *elf_path, const char *out_path,
			unsigned cbit)
{
	struct mk_err err = { "" };
	uint8_t *elf, *igvm = NULL;
	size_t elf_len, igvm_len;
	int rc = -1;

	if (read_file(elf_path, &elf, &elf_len))
		return -1;
	if (payload_build(elf, elf_len, cbit, &igvm, &igvm_len, &err))
		fprintf(stderr, "mkigvm: %s: %s\n", elf_path, err.msg);
	else if (write_file(out_path, igvm, igvm_len) == 0)
		rc = print_digest(out_path, igvm, igvm_len);
	free(elf);
	free(igvm);
	return rc;
}

static int cmd_payload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "elf", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "cbit", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *elf = NULL, *out = NULL;
	unsigned cbit = PAYLOAD_CBIT;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			elf = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c != 'c' || parse_cbit(optarg, &cbit))
			return EXIT_USAGE;
	}
	if (!elf || !out || optind != argc) {
		fprintf(stderr, "mkigvm payload: --elf and --out are required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return pack_payload(elf, out, cbit) ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (!strcmp(argv[1], "payload"))
		return cmd_payload(argc - 1, argv + 1);
	if (!strcmp(argv[1], "digest"))
		return cmd_digest(argc - 1, argv + 1);
	fprintf(stderr, "mkigvm: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
