/* Sockets of the less used transports, each its own kernel code: MPTCP, UDP-Lite, SCTP and
 * DCCP. One line per attempt; plain TCP and UDP must still work. Exit 1 if any attempt
 * worked. */
#include "verdict.h"
#include <netinet/in.h>
#include <sys/socket.h>

int main(void)
{
	struct { const char *what; int family, type, protocol; } tries[] = {
		{ "socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)", AF_INET, SOCK_STREAM, 262 },
		{ "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE)", AF_INET6, SOCK_DGRAM, 136 },
		{ "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)", AF_INET, SOCK_STREAM, 132 },
		{ "socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)", AF_INET, 6, 33 },
	};
	int escapes = 0;
	for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		long r = syscall(SYS_socket, tries[i].family, tries[i].type, tries[i].protocol);
		if (r == -1) {
			printf("refused: %s errno=%d (%s)\n", tries[i].what, errno, strerrorname_np(errno));
		} else {
			printf("ESCAPED: %s returned %ld\n", tries[i].what, r);
			escapes++;
		}
	}
	if (socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) < 0 || socket(AF_INET6, SOCK_DGRAM, 0) < 0)
		printf("broken: TCP or UDP refused errno=%d\n", errno);
	return escapes ? 1 : 0;
}
