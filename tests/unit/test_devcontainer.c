/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devcontainer.json: the JSONC pass, the mapping onto box_config, warnings and errors
 * at their lines, and where the repository of a devcontainer file is. */
#include <stdlib.h>
#include <string.h>

#include "../../config/devcontainer.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static bool has(const struct cfg_errors *e, const char *s)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msgs[i], s))
			return true;
	return false;
}

static void test_strip(void)
{
	const char *in = "{ // c\n \"a\": \"x//y\", /* b\n */ \"b\": [1, 2,], }\n";
	char *s = dc_strip_jsonc(in, strlen(in));
	is_str(s, "{     \n \"a\": \"x//y\",     \n    \"b\": [1, 2 ]  }\n",
	       "comments and trailing commas blanked, strings and newlines kept");
	free(s);
	const char *esc = "{\"a\": \"q\\\"//\", }";
	s = dc_strip_jsonc(esc, strlen(esc));
	is_str(s, "{\"a\": \"q\\\"//\"  }", "an escaped quote does not end the string");
	free(s);
}

static const char *const full =
    "// comment\n"
    "{\n"
    "  \"name\": \"demo\",\n"
    "  \"image\": \"debian:bookworm\",\n"
    "  \"containerEnv\": { \"GREETING\": \"hi\", \"DIR\": \"${localWorkspaceFolder}/x\" },\n"
    "  \"forwardPorts\": [8000, \"db:5432\"],\n"
    "  \"appPort\": \"9000:90\",\n"
    "  \"mounts\": [\"source=/srv,target=/srv,type=bind,readonly\",\n"
    "             { \"source\": \"v\", \"target\": \"/v\", \"type\": \"volume\" }],\n"
    "  \"runArgs\": [\"--cpus=1.5\", \"--memory\", \"512m\", \"-e\", \"K=V\", \"--privileged\"],\n"
    "  \"features\": { \"ghcr.io/devcontainers/features/git:1\": {} },\n"
    "  \"initializeCommand\": \"echo host\",\n"
    "  \"onCreateCommand\": [\"echo\", \"it's\"],\n"
    "  \"postCreateCommand\": \"echo created\",\n"
    "  \"postStartCommand\": \"echo started\",\n"
    "  \"postAttachCommand\": \"echo attached\",\n"
    "  \"build\": { \"dockerfile\": \"Dockerfile\" },\n"
    "  \"hostRequirements\": { \"cpus\": 4 },\n"
    "}\n";

static void test_map(void)
{
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 }, w = { 0 };

	is_int(devcontainer_parse_buffer(full, strlen(full), "r/.devcontainer/devcontainer.json",
					 "/r", c, &e, &w),
	       0, "a full devcontainer.json parses");
	for (size_t i = 0; i < e.n; i++)
		printf("# error: %s\n", e.msgs[i]);
	is_str(c->image, "debian:bookworm", "image");
	ok(c->n_env == 3 && streq(c->env[1].value, "/r/x") && streq(c->env[2].key, "K"),
	   "containerEnv (with ${localWorkspaceFolder}) and runArgs -e");
	ok(c->n_ports == 2 && streq(c->ports[0].key, "8000") && streq(c->ports[1].key, "9000") &&
	       streq(c->ports[1].value, "90"),
	   "forwardPorts and appPort");
	ok(c->n_mounts == 1 && streq(c->mounts[0].inside, "/srv") && c->mounts[0].readonly,
	   "a bind mount (readonly)");
	ok(c->cpus == 1.5 && c->memory == 512ull << 20, "runArgs --cpus and --memory");
	ok(c->packages && streq(c->packages[0], "git"), "a feature that is a package");
	ok(strv_length(c->run) == 2 && streq(c->run[0], "'echo' 'it'\\''s'") &&
	       streq(c->run[1], "echo created"),
	   "onCreateCommand (an array, quoted) and postCreateCommand are setup");
	ok(c->start && streq(c->start[0], "echo started"), "postStartCommand runs on each start");
	ok(c->attach && streq(c->attach[0], "echo attached"), "postAttachCommand");
	ok(c->host_init && streq(c->host_init[0], "echo host"), "initializeCommand");
	ok(has(&w, "devcontainer.json:6: warning: forwardPorts entry 'db:5432'"),
	   "a compose-style port is a warning at its line");
	ok(has(&w, ":8: warning: mounts of type 'volume' is not supported"), "a volume mount");
	ok(has(&w, ":10: warning: runArgs '--privileged' is not supported by box"),
	   "an unsupported runArgs");
	ok(has(&w, ":17: warning: build.dockerfile is not supported by box"),
	   "build.dockerfile says so");
	ok(has(&w, ":18: warning: hostRequirements is not supported by box"),
	   "an unknown key: FILE:LINE: warning: KEY is not supported by box");
	is_int(w.n, 5, "nothing else warned about");
	cfg_errors_done(&e);
	cfg_errors_done(&w);
	cfg_free(c);
}

static void test_errors(void)
{
	const char *bad = "{\n \"image\": 5,\n \"containerEnv\": { \"1x\": \"v\" }\n}";
	const char *broken = "{\n \"image\": \"debian\"\n \"x\": 1\n}";
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };

	ok(devcontainer_parse_buffer(bad, strlen(bad), "d.json", "/r", c, &e, NULL) < 0,
	   "bad values fail");
	ok(has(&e, "d.json:2: \"image\" must be a string"), "a wrong type at its line");
	ok(has(&e, "d.json:3: bad variable name '1x'"), "an env name checked as in [env]");
	cfg_errors_done(&e);
	cfg_free(c);
	c = cfg_new();
	ok(devcontainer_parse_buffer(broken, strlen(broken), "d.json", "/r", c, &e, NULL) < 0,
	   "broken JSON fails");
	ok(e.n == 1 && strstr(e.msgs[0], "d.json:3: not valid JSON"), "at its line: %s",
	   e.n ? e.msgs[0] : "");
	cfg_errors_done(&e);
	cfg_free(c);
	c = cfg_new();
	ok(devcontainer_parse_buffer("{}", 2, "d.json", "/r", c, &e, NULL) < 0 &&
	       has(&e, "no \"image\""),
	   "no image: an error that says what to set");
	cfg_errors_done(&e);
	cfg_free(c);
}

static void test_paths(void)
{
	struct {
		const char *file, *dir;
	} cases[] = {
		{ "/r/.devcontainer/devcontainer.json", "/r" },
		{ "/r/.devcontainer.json", "/r" },
		{ "/r/.devcontainer/py/devcontainer.json", "/r" },
		{ "/.devcontainer/devcontainer.json", "/" },
		{ "/x/devcontainer.json", "/x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = devcontainer_project_dir(cases[i].file);
		is_str(d, cases[i].dir, "repository of %s", cases[i].file);
		free(d);
	}
	ok(!devcontainer_project_dir("/r/.box.ini"), "a .box.ini is no devcontainer file");
}

int main(void)
{
	test_strip();
	test_map();
	test_errors();
	test_paths();
	return tap_done();
}
