/* Open a packet socket to sniff or forge frames. */
#include "verdict.h"
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>

int main(void)
{
	verdict("socket(AF_PACKET, SOCK_RAW)",
		syscall(SYS_socket, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
}
