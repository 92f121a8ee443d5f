/*
 * test-netaddr.c: the address weft tells pools on other hosts when the
 * workflow names none (netaddr.c): never empty, never loopback unless
 * the machine has nothing else, and an address or name that resolves.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft.h"

/* Whether this machine has an IPv4 interface up that is not loopback. */
static int
has_outside(void)
{
	struct ifaddrs	*ifs, *i;
	int		 n = 0;

	if (getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK))
			n++;
	}
	freeifaddrs(ifs);
	return n > 0;
}

static void
test_address(void **state)
{
	struct addrinfo	 hints, *res;
	struct sockaddr_in *in;
	char		*a;

	(void)state;
	a = net_address();
	assert_non_null(a);
	assert_true(a[0] != '\0');
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	assert_int_equal(getaddrinfo(a, NULL, &hints, &res), 0);
	in = (struct sockaddr_in *)res->ai_addr;
	/* Loopback only when there is nothing else to give. */
	if (has_outside())
		assert_int_not_equal(ntohl(in->sin_addr.s_addr) >> 24, 127);
	freeaddrinfo(res);
	free(a);
}

static void
test_block_executor(void **state)
{
	char	 buf[16];

	(void)state;
	block_executor("slurm-3", buf, sizeof buf);
	assert_string_equal(buf, "slurm");
	block_executor("ssh-0", buf, sizeof buf);
	assert_string_equal(buf, "ssh");
	block_executor("", buf, sizeof buf);
	assert_string_equal(buf, "remote");
	block_executor("7", buf, sizeof buf);
	assert_string_equal(buf, "remote");
	block_executor("-x", buf, sizeof buf);
	assert_string_equal(buf, "remote");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_block_executor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
