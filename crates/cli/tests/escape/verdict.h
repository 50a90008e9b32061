/* One-line verdicts shared by the escape cases.
 *
 * A case makes one attempt and prints exactly one line:
 *   refused: WHAT errno=N (ENAME)   the call failed; exit 0
 *   ESCAPED: WHAT ...               the call succeeded; exit 1
 * Cases that expect to be killed print nothing when they are, and ESCAPED when they are not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void refused(const char *what, int err)
{
	const char *name = strerrorname_np(err);
	printf("refused: %s errno=%d (%s)\n", what, err, name ? name : "?");
	exit(0);
}

static inline void escaped(const char *what, long ret)
{
	printf("ESCAPED: %s returned %ld\n", what, ret);
	exit(1);
}

/* The verdict for a call that returned `ret` with errno set on -1. */
static inline void verdict(const char *what, long ret)
{
	if (ret == -1)
		refused(what, errno);
	escaped(what, ret);
}
