/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays corpus files through a fuzz target without libFuzzer, so `make check`
 * runs every committed input with gcc. Prints TAP: one line per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	size_t got = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			while (d && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				char p[4096];
				snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
				printf("%s %d - replay %s\n", run_file(p) == 0 ? "ok" : "not ok", ++n, p);
			}
			if (d)
				closedir(d);
		} else {
			printf("%s %d - replay %s\n", run_file(argv[i]) == 0 ? "ok" : "not ok", ++n,
			       argv[i]);
		}
	}
	printf("1..%d\n", n);
	return 0;
}
