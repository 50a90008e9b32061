/* Connect to 127.0.0.1:PORT, where the host has a listener. */
#include "verdict.h"
#include <arpa/inet.h>
#include <netinet/in.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int s = stream_socket(AF_INET, "socket(AF_INET, SOCK_STREAM)");
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	verdict("connect(127.0.0.1)", connect(s, (struct sockaddr *)&a, sizeof a));
}
