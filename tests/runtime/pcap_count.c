/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcap_count FILE: reads a capture file with libpcap (pcap_open_offline,
 * which reads pcapng too) and prints "datalink=<DLT> snaplen=<n> packets=<n>".
 * Exits 1 with libpcap's message on any open or read error. Used by the
 * pcapng runtime test: the file pwru writes must be readable by libpcap.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_count FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "pcap_count: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		n++;
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcap_count: after %lu packets: %s\n", n, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	printf("datalink=%d snaplen=%d packets=%lu\n", pcap_datalink(p), pcap_snapshot(p), n);
	pcap_close(p);
	return 0;
}
