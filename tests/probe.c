/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A static multi-call probe for fast test images that need no userland:
 * probe id | cat FILE | stat FILE | ls DIR | exit N | pid | sleep SECS | write FILE TEXT
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: probe id|cat|stat|ls|exit|pid|sleep|write ...\n");
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "id")) {
		printf("uid=%u gid=%u euid=%u\n", getuid(), getgid(), geteuid());
		return 0;
	}
	if (!strcmp(c, "pid")) {
		printf("%d\n", getpid());
		return 0;
	}
	if (!strcmp(c, "exit") && argc > 2)
		return atoi(argv[2]);
	if (!strcmp(c, "sleep") && argc > 2) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (!strcmp(c, "cat") && argc > 2) {
		FILE *f = fopen(argv[2], "r");
		char buf[4096];
		size_t n;
		if (!f) {
			perror(argv[2]);
			return 1;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
		return 0;
	}
	if (!strcmp(c, "write") && argc > 3) {
		FILE *f = fopen(argv[2], "w");
		if (!f) {
			perror(argv[2]);
			return 1;
		}
		fputs(argv[3], f);
		return fclose(f) ? 1 : 0;
	}
	if (!strcmp(c, "stat") && argc > 2) {
		struct stat st;
		if (lstat(argv[2], &st) < 0) {
			perror(argv[2]);
			return 1;
		}
		printf("%u %u %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
		return 0;
	}
	if (!strcmp(c, "ls") && argc > 2) {
		DIR *d = opendir(argv[2]);
		struct dirent *de;
		if (!d) {
			perror(argv[2]);
			return 1;
		}
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				printf("%s\n", de->d_name);
		closedir(d);
		return 0;
	}
	fprintf(stderr, "probe: unknown command %s\n", c);
	return 2;
}
