/* What a well-behaved plugin does; `legit WHAT [PATH]` prints "ok: WHAT ..." or "FAIL: ...". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	return 1;
}

static void *add(void *arg)
{
	long *n = arg;
	for (int i = 0; i < 1000; i++)
		__atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int threads(void)
{
	pthread_t t[8];
	long n = 0;
	for (int i = 0; i < 8; i++)
		if ((errno = pthread_create(&t[i], NULL, add, &n)))
			return fail("pthread_create");
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("ok: threads counted %ld\n", n);
	return n == 8000 ? 0 : 1;
}

static int fork_exec(void)
{
	pid_t p = fork();
	if (p < 0)
		return fail("fork");
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(127);
	}
	int st;
	if (waitpid(p, &st, 0) != p)
		return fail("waitpid");
	printf("ok: fork_exec child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : 1;
}

static int pipes(void)
{
	int fds[2];
	char buf[16] = { 0 };
	if (pipe2(fds, O_CLOEXEC) != 0)
		return fail("pipe2");
	pid_t p = fork();
	if (p == 0) {
		_exit(write(fds[1], "through", 7) == 7 ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], buf, sizeof buf - 1) != 7)
		return fail("read");
	waitpid(p, NULL, 0);
	printf("ok: pipes carried %s\n", buf);
	return strcmp(buf, "through") != 0;
}

static int mmaps(void)
{
	size_t len = 8 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	memset(p, 1, len);
	if (mprotect(p, len, PROT_READ) != 0)
		return fail("mprotect");
	char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return fail("mmap shared");
	if (munmap(p, len) != 0 || munmap(q, 4096) != 0)
		return fail("munmap");
	printf("ok: mmap 8 MiB private and 4 KiB shared\n");
	return 0;
}

static int random_bytes(void)
{
	unsigned char b[32];
	if (getrandom(b, sizeof b, 0) != sizeof b)
		return fail("getrandom");
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof b) != sizeof b)
		return fail("/dev/urandom");
	printf("ok: getrandom and /dev/urandom\n");
	return 0;
}

static int clocks(void)
{
	struct timespec a, b, c;
	if (clock_gettime(CLOCK_REALTIME, &a) || clock_gettime(CLOCK_MONOTONIC, &b) ||
	    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c))
		return fail("clock_gettime");
	struct timespec nap = { 0, 1000000 };
	if (nanosleep(&nap, NULL) != 0)
		return fail("nanosleep");
	struct timespec b2;
	clock_gettime(CLOCK_MONOTONIC, &b2);
	int forward = b2.tv_sec > b.tv_sec || (b2.tv_sec == b.tv_sec && b2.tv_nsec > b.tv_nsec);
	printf("ok: clocks realtime %lld, monotonic moves forward: %s\n", (long long)a.tv_sec,
	       forward ? "yes" : "no");
	return !forward;
}

static int tmp_io(void)
{
	char path[] = "/tmp/legit-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return fail("mkstemp");
	char buf[8] = { 0 };
	if (write(fd, "scratch", 7) != 7 || pread(fd, buf, 7, 0) != 7)
		return fail("write/pread");
	if (unlink(path) != 0)
		return fail("unlink");
	printf("ok: tmp_io %s\n", buf);
	return strcmp(buf, "scratch") != 0;
}

static int read_input(const char *path)
{
	char buf[256] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0)
		return fail(path);
	buf[strcspn(buf, "\n")] = 0;
	printf("ok: read_input %s\n", buf);
	return 0;
}

static int write_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "result 42\n", 10) != 10 || close(fd) != 0)
		return fail(path);
	printf("ok: write_output %s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *path = argc > 2 ? argv[2] : "";
	if (!strcmp(what, "threads"))
		return threads();
	if (!strcmp(what, "fork_exec"))
		return fork_exec();
	if (!strcmp(what, "pipes"))
		return pipes();
	if (!strcmp(what, "mmap"))
		return mmaps();
	if (!strcmp(what, "getrandom"))
		return random_bytes();
	if (!strcmp(what, "clocks"))
		return clocks();
	if (!strcmp(what, "tmp_io"))
		return tmp_io();
	if (!strcmp(what, "read_input"))
		return read_input(path);
	if (!strcmp(what, "write_output"))
		return write_output(path);
	printf("FAIL: unknown case %s\n", what);
	return 2;
}
