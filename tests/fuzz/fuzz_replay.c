/* SPDX-License-Identifier: MIT */
/*
 * A main() for fuzz targets built without libFuzzer (any C compiler): feed
 * LLVMFuzzerTestOneInput every file of the corpus paths given (a file, or a
 * directory's files), then a deterministic stream of pseudo-random inputs.
 * Usage: fuzz_<name>_replay [COUNT [SEED]] [PATH...]   (defaults 200000 and 1)
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (1u << 20)

/** xorshift64*: small, deterministic, good enough to spread bits. */
static uint64_t replay_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/** One corpus file; exits on a file it cannot read (a missing corpus is an error). */
static void replay_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_FILE];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, REPLAY_MAX_FILE);
		exit(2);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
}

/** A file, or every regular file of a directory; returns how many. */
static unsigned long replay_path(const char *path)
{
	struct stat st;
	struct dirent *d;
	unsigned long n = 0;
	char sub[4096];
	DIR *dir;

	if (stat(path, &st)) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return 1;
	}
	dir = opendir(path);
	if (!dir) {
		perror(path);
		exit(2);
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (!stat(sub, &st) && S_ISREG(st.st_mode)) {
			replay_file(sub);
			n++;
		}
	}
	closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long count = 200000, files = 0;
	uint64_t s = 1;
	unsigned int numbers = 0;
	uint8_t buf[600];

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] >= '0' && argv[i][0] <= '9') {
			if (numbers++ == 0)
				count = strtoul(argv[i], NULL, 0);
			else
				s = strtoull(argv[i], NULL, 0);
		} else {
			files += replay_path(argv[i]);
		}
	}
	s = s * 0x9e3779b97f4a7c15ULL + 1;
	for (unsigned long i = 0; i < count; i++) {
		size_t len = (size_t)(replay_next(&s) % sizeof(buf));

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)(replay_next(&s) >> 56);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("replayed %lu corpus files and %lu pseudo-random inputs\n", files, count);
	return 0;
}
