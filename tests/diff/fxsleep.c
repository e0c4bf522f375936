/* The fixture's sleeping task: a static binary private to the test session, so that no
 * process outside the fixture shares its pages and PSS stays constant. */
#include <unistd.h>

int main(void)
{
	for (;;)
		pause();
}
