/* Take every inotify instance the caller's user may have (a per-user limit, 128 by default),
 * breaking the caller's other programs while the plugin runs. */
#include "verdict.h"
#include <sys/inotify.h>

int main(void)
{
	int n = 0;
	while (n < 100000) {
		if (inotify_init1(IN_CLOEXEC) < 0) {
			printf("refused: inotify_init1 errno=%d (%s) after %d\n", errno, strerrorname_np(errno), n);
			return 0;
		}
		n++;
	}
	escaped("inotify_init1 100000 times", n);
}
