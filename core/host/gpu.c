/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA's driver files on the host (see gpu.h). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "gpu.h"

#define CDI_MAX (1024 * 1024)

static const char *const cdi_dirs[] = { "/etc/cdi", "/var/run/cdi" };
static const char *const lib_dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" };

static void add(struct gpu_file **v, size_t *n, char *host, const char *inside)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct gpu_file){ .host = host,
				      .inside = xstrdup(inside),
				      .lib = strstr(inside, ".so") != NULL };
	(*n)++;
}

/* The value after KEY (as `key: v` in YAML or `"key": "v"` in JSON) at p, or NULL. */
static char *value_at(const char *text, const char *p, const char *key)
{
	size_t kl = strlen(key);
	if (strncmp(p, key, kl) || (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
						 (p[-1] >= 'A' && p[-1] <= 'Z'))))
		return NULL;
	p += kl;
	p += *p == '"';
	p += strspn(p, " \t");
	if (*p != ':')
		return NULL;
	p++;
	p += strspn(p, " \t");
	p += *p == '"' || *p == '\'';
	size_t vl = strcspn(p, "\"',\n\r} ");
	return vl && *p == '/' ? xstrndup(p, vl) : NULL;
}

size_t gpu_cdi_parse(const char *text, const char *root, struct gpu_file **ret)
{
	struct gpu_file *v = NULL;
	size_t n = 0;
	char *host = NULL, *inside = NULL, *val;

	for (const char *p = text; *p; p++) {
		if ((val = value_at(text, p, "hostPath"))) {
			free(host);
			host = val;
		} else if ((val = value_at(text, p, "containerPath"))) {
			free(inside);
			inside = val;
		} else if ((val = value_at(text, p, "path"))) {
			/* a device node's path (a hook's path is a program: not /dev) */
			if (str_startswith(val, "/dev/"))
				add(&v, &n, xasprintf("%s%s", root, val), val);
			free(val);
		}
		if (host && inside) {
			add(&v, &n, xasprintf("%s%s", root, host), inside);
			free(host);
			free(inside);
			host = inside = NULL;
		}
	}
	free(host);
	free(inside);
	*ret = v;
	return n;
}

/* Entries of root+dir whose names start with one of the prefixes, at dir inside. */
static void scan(struct gpu_file **v, size_t *n, const char *root, const char *dir,
		 const char *const *prefixes)
{
	_cleanup_free_ char *d = xasprintf("%s%s", root, dir);
	_cleanup_closedir_ DIR *dh = opendir(d);
	struct dirent *de;

	while (dh && (de = readdir(dh))) {
		for (const char *const *p = prefixes; *p; p++) {
			if (!str_startswith(de->d_name, *p))
				continue;
			_cleanup_free_ char *in = xasprintf("%s/%s", dir, de->d_name);
			add(v, n, xasprintf("%s/%s", d, de->d_name), in);
			break;
		}
	}
}

static size_t from_cdi(const char *root, struct gpu_file **ret, char **ret_source)
{
	for (size_t i = 0; i < ARRAY_SIZE(cdi_dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s%s", root, cdi_dirs[i]);
		_cleanup_closedir_ DIR *dh = opendir(d);
		struct dirent *de;
		while (dh && (de = readdir(dh))) {
			if (!str_endswith(de->d_name, ".yaml") &&
			    !str_endswith(de->d_name, ".json"))
				continue;
			_cleanup_free_ char *p = xasprintf("%s/%s", d, de->d_name), *text = NULL;
			if (fs_read_file(p, CDI_MAX, &text, NULL, NULL) < 0 ||
			    !strstr(text, "nvidia"))
				continue;
			size_t n = gpu_cdi_parse(text, root, ret);
			if (n) {
				*ret_source = xasprintf("CDI spec %s", p);
				return n;
			}
			free(*ret);
		}
	}
	return 0;
}

static const char *const modes[] = { "auto", "nvidia", "none" };
static const char *(*config_hook)(void);

bool gpu_mode_valid(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(modes); i++)
		if (streq(s, modes[i]))
			return true;
	return false;
}

void gpu_set_config_hook(const char *(*config_mode)(void))
{
	config_hook = config_mode;
}

const char *gpu_mode_effective(const char *mode, const char **ret_from)
{
	const char *env = getenv("BOX_GPU"), *from = "default", *m = "auto", *cfg;

	if (gpu_mode_valid(env)) {
		m = env;
		from = "BOX_GPU";
	} else if (gpu_mode_valid(mode)) {
		m = mode;
		from = "sandbox";
	} else if (config_hook && gpu_mode_valid(cfg = config_hook())) {
		m = cfg;
		from = "config";
	}
	if (ret_from)
		*ret_from = from;
	return m;
}

size_t gpu_nvidia_files(const char *mode, struct gpu_file **ret, char **ret_source)
{
	static const char *const devs[] = { "nvidia", NULL };
	static const char *const libs[] = { "libnvidia", "libcuda", NULL };
	static const char *const bins[] = { "nvidia-smi", "nvidia-debugdump", "nvidia-cuda-mps",
					    "nvidia-persistenced", NULL };
	const char *root = getenv("BOX_GPU_ROOT");
	struct gpu_file *v = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_source = NULL;
	if (mode && streq(mode, "none"))
		return 0;
	if (!root || *root != '/')
		root = "";
	if ((n = from_cdi(root, ret, ret_source)))
		return n;
	scan(&v, &n, root, "/dev", devs);
	if (!n) /* no device: no driver to use */
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(lib_dirs); i++)
		scan(&v, &n, root, lib_dirs[i], libs);
	scan(&v, &n, root, "/usr/bin", bins);
	*ret = v;
	*ret_source = xstrdup("driver files");
	return n;
}

char *gpu_dri_dir(void)
{
	const char *root = getenv("BOX_GPU_ROOT");
	return xasprintf("%s/dev/dri", root && *root == '/' ? root : "");
}

void gpu_files_free(struct gpu_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].host);
		free(f[i].inside);
	}
	free(f);
}
