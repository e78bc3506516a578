/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * replay_<target> PATH...: run a fuzz target's LLVMFuzzerTestOneInput over
 * every file given, and over every regular file (not dot-files, not
 * subfolders) of every folder given, in name order, without libFuzzer
 * (STYLE R17.8, after SQLite's fuzzcheck). make check builds it under ASan
 * and UBSan, so a corpus entry that once crashed keeps being tested. Each
 * input gets a buffer of exactly its size, so ASan sees any overread. The
 * last line printed is "N inputs replayed"; exit status 0, or 2 if a path
 * cannot be read (a target that finds a bug aborts on its own).
 */
#include "fuzz.h"

#include "util/compat.h"

#include <dirent.h>
#include <sys/stat.h>

#include "util/mem.h"

/* Replay one file; 0, or -1 after printing why it could not be read. */
static int replay_file(const char *path)
{
	struct stat st;
	void *buf = NULL;
	size_t n;
	FILE *f;
	int ok;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		fprintf(stderr, "replay: %s: cannot open\n", path);
		if (f != NULL) fclose(f);
		return -1;
	}
	n = (size_t)st.st_size;
	ok = mem_alloc(n, &buf) == 0 && fread(buf, 1, n, f) == n;
	fclose(f);
	if (ok) {
		LLVMFuzzerTestOneInput(buf, n);
	} else {
		fprintf(stderr, "replay: %s: cannot read\n", path);
	}
	mem_free(buf);
	return ok ? 0 : -1;
}

static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Replay every regular file of a folder in name order; adds to *count. */
static int replay_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, visible, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: cannot list\n", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) != 0) {
				rc = -1;
			} else {
				(*count)++;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	struct stat st;
	int i, status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0) status = 2;
		} else if (replay_file(argv[i]) != 0) {
			status = 2;
		} else {
			count++;
		}
	}
	printf("%zu inputs replayed\n", count);
	return status;
}
