/*
 * netaddr.c: the address by which other hosts can reach this one, for a
 * run whose pools connect from elsewhere and whose workflow names none:
 * the host's name, if it resolves to an address that is not loopback;
 * else the first IPv4 address of an interface that is up and not
 * loopback; else 127.0.0.1 (pools on this host only).  And the name of
 * such a pool's executor.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*in;
	const struct sockaddr_in6	*in6;

	if (sa->sa_family == AF_INET) {
		in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 1;
}

/* Whether NAME resolves to an IPv4 address that is not loopback. */
static int
resolves_out(const char *name)
{
	struct addrinfo	 hints, *res, *ai;
	int		 ok = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
		ok = !is_loopback(ai->ai_addr);
	freeaddrinfo(res);
	return ok;
}

/*
 * The executor of a pool on another host, for the record: a provider's
 * block is named "KIND-N" (slurm-3), and a pool started by hand, with no
 * block, is "remote".
 */
void
block_executor(const char *block, char *buf, size_t size)
{
	if (strchr(block, '-') != NULL && block[0] != '-')
		snprintf(buf, size, "%.*s", (int)strcspn(block, "-"), block);
	else
		snprintf(buf, size, "remote");
}

/* The address to tell pools on other hosts; the caller frees it. */
char *
net_address(void)
{
	struct ifaddrs	*ifs, *i;
	char		 host[256], buf[INET_ADDRSTRLEN];
	char		*found = NULL;

	if (gethostname(host, sizeof host) == 0 && host[0] != '\0' &&
	    resolves_out(host))
		return xstrdup(host);
	if (getifaddrs(&ifs) == 0) {
		for (i = ifs; i != NULL && found == NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    i->ifa_addr->sa_family != AF_INET ||
			    !(i->ifa_flags & IFF_UP) ||
			    is_loopback(i->ifa_addr))
				continue;
			if (inet_ntop(AF_INET, &((struct sockaddr_in *)
			    i->ifa_addr)->sin_addr, buf, sizeof buf) != NULL)
				found = xstrdup(buf);
		}
		freeifaddrs(ifs);
	}
	return found != NULL ? found : xstrdup("127.0.0.1");
}
