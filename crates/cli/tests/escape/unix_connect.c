/* Connect to a host AF_UNIX socket by its host path. */
#include "verdict.h"
#include <sys/un.h>

int main(int argc, char **argv)
{
	if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return 2;
	int s = stream_socket(AF_UNIX, "socket(AF_UNIX)");
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, argv[1]);
	verdict("connect(unix path)", connect(s, (struct sockaddr *)&a, sizeof a));
}
