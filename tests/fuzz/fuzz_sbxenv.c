/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the sandbox runtime env file (image Env, separator, own env). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/sandbox/sandbox.h"
#include "../../core/util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strchr(v[i], '=') || v[i][0] == '=')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **img = NULL, **env = NULL;

	if (sandbox_env_parse((const char *)data, size, &img, &env) == 0) {
		check(img);
		check(env);
		/* What parses formats back to something that parses the same. */
		size_t len;
		char *buf = sandbox_env_format(img, env, &len);
		char **img2 = NULL, **env2 = NULL;
		if (sandbox_env_parse(buf, len, &img2, &env2) < 0)
			abort();
		for (size_t i = 0; img && img[i]; i++)
			if (!img2 || !img2[i] || strcmp(img[i], img2[i]))
				abort();
		for (size_t i = 0; env && env[i]; i++)
			if (!env2 || !env2[i] || strcmp(env[i], env2[i]))
				abort();
		strv_free(img2);
		strv_free(env2);
		free(buf);
	}
	strv_free(img);
	strv_free(env);
	return 0;
}
