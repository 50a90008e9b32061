/* Connect to a host abstract AF_UNIX socket (no file: "\0NAME"). */
#include "verdict.h"
#include <stddef.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	if (argc != 2 || strlen(argv[1]) + 1 >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return 2;
	int s = stream_socket(AF_UNIX, "socket(AF_UNIX)");
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, argv[1], strlen(argv[1]));
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(argv[1]);
	verdict("connect(unix abstract)", connect(s, (struct sockaddr *)&a, len));
}
