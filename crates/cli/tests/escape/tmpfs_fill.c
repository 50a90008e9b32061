/* Fill a tmpfs: write 1 MiB blocks to argv[1] until the write fails or argv[2] MiB are
 * written. Files in a tmpfs are memory that no rlimit counts. */
#include "verdict.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		printf("setup: usage: tmpfs_fill PATH MIB\n");
		return 2;
	}
	static char block[1 << 20];
	memset(block, 'x', sizeof block);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		refused("open", errno);
	long want = atol(argv[2]), done = 0;
	for (; done < want; done++) {
		ssize_t n = write(fd, block, sizeof block);
		if (n != (ssize_t)sizeof block) {
			int e = n < 0 ? errno : ENOSPC;
			printf("refused: write errno=%d (%s) after %ld MiB\n", e, strerrorname_np(e), done);
			return 0;
		}
	}
	printf("ESCAPED: wrote %ld MiB\n", done);
	return 1;
}
