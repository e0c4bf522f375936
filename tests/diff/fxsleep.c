/* The fixture's sleeping task: a static binary private to the test session, so that no
 * process outside the fixture shares its pages and PSS stays constant.
 *
 *   sleep ...          sleeps for ever
 *   sleep vfork        vforks a child that sleeps for ever instead of exec'ing: the parent
 *                      waits for it in uninterruptible (killable) sleep, state D
 *   sleep fan N        forks N children that sleep for ever (a large process table)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "fan") == 0) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid < 0)
				_exit(1);
			if (pid == 0)
				break;
		}
	} else if (argc > 1 && strcmp(argv[1], "vfork") == 0) {
		if (vfork() == 0)
			for (;;)
				pause();
	}
	for (;;)
		pause();
}
