// SPDX-License-Identifier: GPL-2.0
/*
 * proc_stat_loop - the procfs baseline for the task_diag benchmark.
 *
 * Lists /proc and reads /proc/PID/stat of every process (opendir, readdir,
 * open, read, close), the way a ps-like tool must without task_diag.  Each
 * stat line is parsed just enough to extract pid, state and ppid so the work
 * is comparable to the netlink client's.
 *
 * usage: proc_stat_loop [-n LOOPS] [-t]
 *   -n LOOPS  repeat the whole scan LOOPS times (default 1)
 *   -t        also read /proc/PID/task/TID/stat for every thread
 * Prints the number of stat files read in the last loop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];
static unsigned long long checksum;

static int read_stat(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;
	int pid, ppid;
	char state;

	if (fd < 0)
		return 0;	/* the task went away */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	pid = atoi(buf);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
		return 0;
	checksum += (unsigned)pid + (unsigned)ppid + (unsigned char)state;
	return 1;
}

static int is_pid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static long scan(int threads)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long count = 0;
	char path[320];

	if (!d) {
		perror("/proc");
		exit(1);
	}
	while ((de = readdir(d))) {
		if (!is_pid(de->d_name))
			continue;
		if (!threads) {
			snprintf(path, sizeof(path), "%s/stat", de->d_name);
			count += read_stat(dirfd(d), path);
		} else {
			DIR *t;
			struct dirent *te;
			int fd;

			snprintf(path, sizeof(path), "/proc/%s/task", de->d_name);
			t = opendir(path);
			if (!t)
				continue;
			fd = dirfd(t);
			while ((te = readdir(t))) {
				if (!is_pid(te->d_name))
					continue;
				snprintf(path, sizeof(path), "%s/stat", te->d_name);
				count += read_stat(fd, path);
			}
			closedir(t);
		}
	}
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	long loops = 1, count = 0, i;
	int threads = 0, opt;

	while ((opt = getopt(argc, argv, "n:t")) != -1) {
		switch (opt) {
		case 'n':
			loops = strtol(optarg, NULL, 0);
			break;
		case 't':
			threads = 1;
			break;
		default:
			fprintf(stderr, "usage: proc_stat_loop [-n LOOPS] [-t]\n");
			return 2;
		}
	}
	for (i = 0; i < loops; i++)
		count = scan(threads);
	printf("%ld\n", count);
	return checksum == 0xdeadbeefULL;	/* keep the parsing alive */
}
