// SPDX-License-Identifier: GPL-2.0
/*
 * fork NPROC [NTHREADS] - create a fixture of sleeping tasks for task_diag tests.
 *
 * The calling process becomes the parent of NPROC children.  Each child runs
 * NTHREADS threads in total (its main thread plus NTHREADS-1 pthreads; default
 * NTHREADS=1).  Every task sleeps until it is killed.
 *
 * The tool stays in the foreground: once every child and every thread exists
 * it prints its own pid (the parent of all children) on stdout, flushes, and
 * sleeps.  SIGTERM/SIGINT/SIGHUP to the parent kills the whole fixture: the
 * children carry PR_SET_PDEATHSIG(SIGKILL).  Exit status: 0 after a signal,
 * 1 on a setup error (anything created so far is killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *sleeper(void *arg)
{
	int fd = (int)(long)arg;
	char c = 't';

	/* tell the child's main thread that this thread is up */
	if (write(fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
	return NULL;
}

static void child(long nthreads, int ready_fd, pid_t parent)
{
	pthread_attr_t attr;
	int tp[2];
	long i;
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	if (getppid() != parent)	/* parent died before prctl */
		_exit(1);
	if (pipe(tp) < 0)
		_exit(1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 1; i < nthreads; i++) {
		pthread_t t;
		int err = pthread_create(&t, &attr, sleeper, (void *)(long)tp[1]);

		if (err) {
			fprintf(stderr, "fork: pthread_create: %s\n", strerror(err));
			_exit(1);
		}
	}
	for (i = 1; i < nthreads; i++)
		if (read(tp[0], &c, 1) != 1)
			_exit(1);
	close(tp[0]);
	close(tp[1]);
	c = 'c';
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;)
		pause();
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long nproc, nthreads = 1, i;
	struct sigaction sa;
	pid_t self = getpid();
	int rp[2];
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fork NPROC [NTHREADS]\n");
		return 2;
	}
	nproc = strtol(argv[1], &end, 10);
	if (*end || nproc < 0) {
		fprintf(stderr, "fork: bad NPROC '%s'\n", argv[1]);
		return 2;
	}
	if (argc == 3) {
		nthreads = strtol(argv[2], &end, 10);
		if (*end || nthreads < 1) {
			fprintf(stderr, "fork: bad NTHREADS '%s'\n", argv[2]);
			return 2;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (pipe(rp) < 0)
		die("pipe");
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(rp[0]);
			child(nthreads, rp[1], self);
		}
	}
	close(rp[1]);
	for (i = 0; i < nproc; i++) {
		char c;
		ssize_t n = read(rp[0], &c, 1);

		if (n != 1) {
			fprintf(stderr, "fork: a child failed during setup\n");
			return 1;
		}
	}
	close(rp[0]);
	printf("%d\n", (int)self);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
