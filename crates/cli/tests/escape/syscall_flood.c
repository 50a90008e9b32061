/* Floods the supervisor, then calls keyctl once: argv[1] calls of kind argv[2], either
 * "invalid" (distinct numbers no ABI has, from 100000 up) or "unshare" (the same denied call
 * again and again). A recorder or reporter must stay bounded and still see the keyctl. */
#define _GNU_SOURCE
#include "verdict.h"
#include <sched.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		printf("setup: usage: syscall_flood COUNT invalid|unshare\n");
		return 2;
	}
	long n = atol(argv[1]);
	int invalid = strcmp(argv[2], "invalid") == 0;
	for (long i = 0; i < n; i++) {
		if (invalid)
			syscall(100000 + i, i, 0, 0, 0, 0, 0);
		else /* three distinct argument values */
			syscall(SYS_unshare, i % 3 == 0 ? CLONE_NEWUSER : i % 3 == 1 ? CLONE_NEWNS : CLONE_NEWNET);
	}
	verdict("keyctl after the flood", syscall(SYS_keyctl, 0, -1, 0, 0, 0));
}
