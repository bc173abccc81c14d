// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libFuzzer target: what a DynamoDB endpoint answers the fleet view (a
 * Query or BatchGetItem body) read as user/fleet/fleet.c reads it: items
 * back to plain JSON, registry items into a small host table, newest items
 * and alert items onto a host, rollup items into a series. Nothing it sends
 * may crash, leak or grow the table past its cap. */
#include <stdint.h>
#include <stdlib.h>

#include "user/fleet/fleet_hosts.h"
#include "user/fleet/fleet_read.h"
#include "user/fleet/fleet_series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *resp = json_loadb((const char *)data, size, 0, NULL), *items, *it, *plain, *acc;
	struct fleet_hosts hs;
	size_t i;

	if (!resp)
		return 0;
	if (fleet_hosts_init(&hs, 4))
		goto out;
	(void)fleet_read_units(resp);
	items = fleet_read_items(resp, "t");
	plain = json_array();
	acc = json_object();
	json_array_foreach(items, i, it) {
		json_t *p = ddb_plain_item(it);
		struct fleet_host *h;

		if (!p)
			continue;
		h = fleet_hosts_registry(&hs, p, 1000000, 600000);
		if (h) {
			fleet_host_set(h, FLEET_VM, p, "1");
			fleet_host_set(h, FLEET_WEB, p, "2");
		}
		json_array_append_new(plain, p);
	}
	if (hs.n > hs.max)
		abort();
	if (hs.n)
		fleet_host_set_alerts(&hs.h[0], fleet_alerts_firing(plain, 10));
	fleet_series_fold(acc, plain, "m");
	json_decref(fleet_series_points(acc));
	json_decref(fleet_hosts_doc(&hs, 1000000, 1000, NULL));
	json_decref(fleet_routes_doc(&hs, 20));
	json_decref(acc);
	json_decref(plain);
	fleet_hosts_fini(&hs);
out:
	json_decref(resp);
	return 0;
}
