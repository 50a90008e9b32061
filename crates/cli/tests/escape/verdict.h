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
#include <pthread.h>
#include <sys/socket.h>
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

/* A stream socket of `domain`, or the refused verdict naming `what`. */
static inline int stream_socket(int domain, const char *what)
{
	int s = socket(domain, SOCK_STREAM, 0);
	if (s < 0)
		refused(what, errno);
	return s;
}

/* Runs `call` on a second thread and reports an escape if the process outlives it: a filter
 * that kills only the calling thread would let the process go on. `call` reports its own
 * escape when the syscall returns. */
static inline int outlive(void *(*call)(void *), const char *what)
{
	pthread_t t;
	if (pthread_create(&t, NULL, call, NULL) != 0)
		return 2;
	pthread_join(t, NULL);
	printf("ESCAPED: the process outlived the %s call\n", what);
	return 1;
}
