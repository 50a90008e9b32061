/* Every number from 470 to 8191 once (each denied, each its own report entry), then wait to
 * be killed by --timeout: the report must not take seconds to explain them afterwards. */
#include "verdict.h"

int main(void)
{
	for (long nr = 470; nr < 8192; nr++)
		syscall(nr, 0, 0, 0, 0, 0, 0);
	printf("flooded\n");
	fflush(stdout);
	for (;;)
		pause();
}
