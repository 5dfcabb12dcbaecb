/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The supervisor's network wiring: a sandbox with network = slirp, started by a
 * program that never wired the userspace network into core (sandbox_set_net_hooks),
 * fails to start with a message saying so, instead of quietly getting loopback only;
 * network = none does not need it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../core/sandbox/sandbox.h"
#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char *top;

static int supervise(const char *name, const char *network, char **ret_msg)
{
	_cleanup_free_ char *layer = xasprintf("%s/layer", top);
	char *layers[] = { layer, NULL };
	struct sandbox_create_opts o = { .name = name,
					 .image = "localhost/t:1",
					 .layers = layers,
					 .network = network };
	struct box_err *err = NULL;

	mkdir(layer, 0755);
	ok(sandbox_create(&o, NULL) == 0, "create '%s'", name);
	int r = sandbox_supervise(name, -1, &err);
	*ret_msg = err ? box_err_format(err) : xstrdup("");
	box_err_free(err);
	return r;
}

int main(void)
{
	char tmpl[] = "/tmp/box-supnet.XXXXXX";
	top = mkdtemp(tmpl);
	_cleanup_free_ char *data = xasprintf("%s/data", top);
	_cleanup_free_ char *run = xasprintf("%s/run", top);
	setenv("BOX_DATA_DIR", data, 1);
	setenv("BOX_RUNTIME_DIR", run, 1);
	mkdir(run, 0700);

	_cleanup_free_ char *msg = NULL;
	int r = supervise("slirp", NULL, &msg);
	is_int(r, -ENOSYS, "network = slirp without the net hooks: the start fails");
	ok(strstr(msg, "network = slirp") && strstr(msg, "sandbox_set_net_hooks"),
	   "and the message says what is missing: %s", msg);

	_cleanup_free_ char *msg2 = NULL;
	r = supervise("none", "none", &msg2);
	ok(r != -ENOSYS && !strstr(msg2, "network = slirp"),
	   "network = none does not need them (got %d: %s)", r, msg2);

	rm_rf(top, NULL);
	return tap_done();
}
