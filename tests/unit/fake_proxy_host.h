/* SPDX-License-Identifier: MIT */
/*
 * What the virtio and AHCI proxies' host tests share of their fake
 * platform (struct vproxy_ops): the guest's MSIs, the log lines (hv_error
 * counted) and private memory.  Included by one test file each.
 */
#ifndef TESTS_UNIT_FAKE_PROXY_HOST_H
#define TESTS_UNIT_FAKE_PROXY_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct {
	unsigned int msis; /* guest MSIs raised, the last one's address and data */
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned int hv_errors; /* log lines with hv_error */
	char log[4096];
} host;

static void op_guest_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	host.msis++;
	host.msi_addr = addr;
	host.msi_data = data;
}

static void *op_alloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return calloc(1, bytes); /* freed with the process */
}

static void op_log(void *ctx, bool hv_error, const char *line)
{
	(void)ctx;
	host.hv_errors += hv_error;
	strncat(host.log, line, sizeof(host.log) - strlen(host.log) - 2);
	strcat(host.log, "\n");
}

#endif
