/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A static multi-call probe for fast test images that need no userland:
 * probe id | cat FILE | stat FILE | ls DIR | exit N | pid | sleep SECS | write FILE TEXT
 *       | unix SOCKET LINE (send a request line, print the reply)
 *       | tiocsti FD TEXT (push TEXT into the input of the terminal on FD, as an
 *         attacker inside would)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_request(const char *path, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		return 1;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
		return 1;
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}

/* Every byte pushed into the input of the terminal on fd; 0 when all were taken. */
static int tiocsti(int fd, const char *text)
{
	for (const char *p = text; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0) {
			perror("TIOCSTI");
			return 1;
		}
	return 0;
}

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
	if (!strcmp(c, "unix") && argc > 3)
		return unix_request(argv[2], argv[3]);
	if (!strcmp(c, "tiocsti") && argc > 3)
		return tiocsti(atoi(argv[2]), argv[3]);
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
