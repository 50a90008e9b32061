/* Read PATH. */
#include "verdict.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		refused("open(O_RDONLY)", errno);
	char buf[256];
	long n = read(fd, buf, sizeof buf);
	if (n < 0)
		refused("read", errno);
	printf("ESCAPED: read %ld bytes: %.*s\n", n, (int)strcspn(buf, "\n"), buf);
	return 1;
}
