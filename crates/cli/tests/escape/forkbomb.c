/* Fork without end; every child forks too. argv[1] is a marker the test looks for among the
 * host's processes afterwards. The first process reports the first refused fork and exits,
 * which ends the sandbox. */
#include "verdict.h"

int main(int argc, char **argv __attribute__((unused)))
{
	if (argc != 2)
		return 2;
	int children = 0;
	for (;;) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				fork();
		}
		if (p < 0) {
			int err = errno;
			printf("refused: fork errno=%d (%s) after %d children\n", err,
			       strerrorname_np(err), children);
			fflush(stdout);
			_exit(0);
		}
		children++;
	}
}
