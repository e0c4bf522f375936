// SPDX-License-Identifier: GPL-2.0
/*
 * churn TOTAL [EXEC_EVERY] [STABLE] - create TOTAL short-lived tasks as fast as possible.
 *
 * The process first starts STABLE children (default 8) and STABLE threads of
 * its own that live until it exits, and prints
 *
 *   ready pid=P children=C1,C2,... threads=T1,T2,...
 *
 * Then it keeps up to 16 children in flight: every EXEC_EVERY-th child
 * (default 50) execs /bin/true, the others start and join 0-3 threads before
 * exiting; between forks it starts and joins six threads of its own, so a
 * THREAD dump of P and a CHILDREN dump of P both see churn (threads are
 * several times cheaper than processes under emulation).
 * Every created process and thread counts as a task.  When TOTAL is reached it
 * prints
 *
 *   done tasks=N forks=F threads=T execs=E seconds=S
 *
 * and waits until stdin is closed (the stable tasks stay), then exits 0.
 * Stable children carry PR_SET_PDEATHSIG(SIGKILL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IN_FLIGHT 16
#define MAX_STABLE 64

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *idle_thread(void *arg)
{
	int fd = (int)(long)arg;
	pid_t tid = syscall(SYS_gettid);

	if (write(fd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		pause();
	return NULL;
}

static void *quick_thread(void *arg)
{
	return arg;
}

static pthread_attr_t small;

static int spawn_quick_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, &small, quick_thread, NULL))
		return 0;
	pthread_join(t, NULL);
	return 1;
}

int main(int argc, char **argv)
{
	long total, exec_every = 50, nstable = 8;
	long tasks = 0, forks = 0, threads = 0, cthreads = 0, execs = 0, in_flight = 0;
	pid_t stable_children[MAX_STABLE], stable_threads[MAX_STABLE];
	pid_t self = getpid();
	struct timespec t0, t1;
	int tp[2];
	long i;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: churn TOTAL [EXEC_EVERY] [STABLE]\n");
		return 2;
	}
	total = atol(argv[1]);
	if (argc > 2)
		exec_every = atol(argv[2]);
	if (argc > 3)
		nstable = atol(argv[3]);
	if (nstable < 0 || nstable > MAX_STABLE || exec_every < 1)
		return 2;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 * 1024);

	for (i = 0; i < nstable; i++) {
		pid_t c = fork();

		if (c < 0)
			die("fork");
		if (c == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
				_exit(1);
			for (;;)
				pause();
		}
		stable_children[i] = c;
	}
	if (pipe(tp) < 0)
		die("pipe");
	for (i = 0; i < nstable; i++) {
		pthread_t t;

		if (pthread_create(&t, &small, idle_thread, (void *)(long)tp[1]))
			die("pthread_create");
		if (read(tp[0], &stable_threads[i], sizeof(pid_t)) != sizeof(pid_t))
			die("read");
	}
	printf("ready pid=%d children=", (int)self);
	for (i = 0; i < nstable; i++)
		printf("%s%d", i ? "," : "", (int)stable_children[i]);
	printf(" threads=");
	for (i = 0; i < nstable; i++)
		printf("%s%d", i ? "," : "", (int)stable_threads[i]);
	printf("\n");
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (tasks < total) {
		for (int started = 0; started < 2 && in_flight < IN_FLIGHT && tasks < total; started++) {
			int do_exec = (forks % exec_every) == exec_every - 1;
			int do_thread = do_exec ? 0 : forks % 4;
			pid_t c = fork();

			if (c < 0) {
				if (errno == EAGAIN)
					break;
				die("fork");
			}
			if (c == 0) {
				if (do_exec) {
					execl("/bin/true", "true", (char *)NULL);
					_exit(127);
				}
				for (int k = 0; k < do_thread; k++)
					spawn_quick_thread();
				_exit(0);
			}
			forks++;
			tasks += 1 + do_thread;
			cthreads += do_thread;
			execs += do_exec;
			in_flight++;
		}
		for (int k = 0; k < 6 && tasks < total; k++) {
			if (spawn_quick_thread()) {
				threads++;
				tasks++;
			}
		}
		for (;;) {
			int st;
			pid_t w = waitpid(-1, &st, in_flight >= IN_FLIGHT ? 0 : WNOHANG);

			if (w <= 0)
				break;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "churn: child %d ended with status %#x\n", (int)w, st);
				return 1;
			}
			in_flight--;
		}
	}
	while (in_flight > 0) {
		int st;

		if (waitpid(-1, &st, 0) <= 0)
			break;
		in_flight--;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("done tasks=%ld forks=%ld threads=%ld execs=%ld seconds=%.1f\n", tasks, forks,
	       threads + cthreads, execs,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	{
		char buf[64];

		while (read(0, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}
