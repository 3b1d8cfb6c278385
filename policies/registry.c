/*
 * registry.c: policy lookup, plugin loading (dlopen) and parameter checking (see
 * registry.h). The host refuses a descriptor whose ABI version differs from its own or
 * whose size is smaller than the first version's.
 */
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "sha256.h"

/* The descriptor size of ABI version 1: the smallest a plugin may declare. */
#define POL_MIN_SIZE (offsetof(struct adascale_policy, destroy) + sizeof(void (*)(void *)))

uint32_t pol_flags(const struct adascale_policy *d)
{
	if (d->size < offsetof(struct adascale_policy, flags) + sizeof d->flags)
		return 0;
	return d->flags;
}

static int check_desc(const struct adascale_policy *d, const char *where, struct errbuf *eb)
{
	if (d->abi_version < ADASCALE_POLICY_ABI_OLDEST ||
	    d->abi_version > ADASCALE_POLICY_ABI_VERSION)
		return err_set(eb, ERR_PLUGIN,
			       "%s: policy ABI version %u, but this adascale speaks versions %d to %d "
			       "(rebuild the plugin against this adascale_policy.h)",
			       where, d->abi_version, ADASCALE_POLICY_ABI_OLDEST,
			       ADASCALE_POLICY_ABI_VERSION);
	if (d->size < POL_MIN_SIZE)
		return err_set(eb, ERR_PLUGIN, "%s: descriptor size %u is smaller than %zu", where,
			       d->size, (size_t)POL_MIN_SIZE);
	if (!d->name || !d->create || !d->decide)
		return err_set(eb, ERR_PLUGIN, "%s: descriptor lacks name, create or decide", where);
	if (d->n_params < 0 || d->n_params > POL_MAX_PARAMS || (d->n_params && !d->params))
		return err_set(eb, ERR_PLUGIN, "%s: bad parameter table", where);
	return 0;
}

static int is_plugin_path(const char *s, size_t len)
{
	return len > 3 && memcmp(s + len - 3, ".so", 3) == 0;
}

static int open_plugin(const char *path, void **dl, adascale_policy_entry_fn *entry,
		       struct errbuf *eb)
{
	/* dlopen searches the library path for a name without '/', so make it a path */
	char p[4096];
	snprintf(p, sizeof p, "%s%s", strchr(path, '/') ? "" : "./", path);
	*dl = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	if (!*dl)
		return err_set(eb, ERR_PLUGIN, "%s: cannot load plugin: %s", path, dlerror());
	void *sym = dlsym(*dl, ADASCALE_POLICY_ENTRY);
	if (!sym) {
		dlclose(*dl);
		*dl = NULL;
		return err_set(eb, ERR_PLUGIN, "%s: no symbol '%s' (a policy plugin exports it)",
			       path, ADASCALE_POLICY_ENTRY);
	}
	memcpy(entry, &sym, sizeof *entry);
	return 0;
}

static int set_params(struct pol_choice *c, const char *params, struct errbuf *eb)
{
	const struct adascale_policy *d = c->desc;
	char *buf = strdup(params ? params : "");
	if (!buf)
		return err_set(eb, ERR_NOMEM, "out of memory");
	int rc = 0;
	for (char *save, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			rc = err_set(eb, ERR_USAGE, "policy %s: parameter '%s' needs a value (key=value)",
				     c->name, kv);
			goto out;
		}
		*eq = '\0';
		int i = 0;
		while (i < d->n_params && strcmp(d->params[i].name, kv) != 0)
			i++;
		if (i == d->n_params) {
			char known[512] = "";
			for (int j = 0; j < d->n_params; j++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
					 j ? ", " : "", d->params[j].name);
			rc = err_set(eb, ERR_USAGE, "policy %s: unknown parameter '%s' (known: %s)",
				     c->name, kv, d->n_params ? known : "none");
			goto out;
		}
		if (c->values[i]) {
			rc = err_set(eb, ERR_USAGE, "policy %s: parameter '%s' given twice", c->name, kv);
			goto out;
		}
		if (!(c->values[i] = strdup(eq + 1))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	c->params[0] = '\0';
	for (int i = 0; i < d->n_params; i++) {
		if (!c->values[i] &&
		    !(c->values[i] = strdup(d->params[i].default_value ? d->params[i].default_value
								       : ""))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto out;
		}
		size_t n = strlen(c->params);
		snprintf(c->params + n, sizeof c->params - n, "%s%s=%s", i ? "," : "",
			 d->params[i].name, c->values[i]);
	}
out:
	free(buf);
	return rc;
}

static const struct adascale_policy *find_in(adascale_policy_entry_fn entry, const char *name,
					     int *count)
{
	const struct adascale_policy *found = NULL, *d;
	int n = 0;
	for (int i = 0; i < 1000 && (d = entry(i)) != NULL; i++, n++)
		if (name && d->name && strcmp(d->name, name) == 0)
			found = d;
		else if (!name && n == 0)
			found = d;
	*count = n;
	return found;
}

int pol_resolve(const char *spec, struct pol_choice *c, struct errbuf *eb)
{
	memset(c, 0, sizeof *c);
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
		return err_set(eb, ERR_USAGE, "policy spec too long");
	char *first = buf, *rest = strchr(buf, ':');
	if (rest)
		*rest++ = '\0';
	adascale_policy_entry_fn entry = pol_builtin_entry;
	const char *name = first, *params = rest;
	int rc;
	if (is_plugin_path(first, strlen(first))) {
		if ((rc = open_plugin(first, &c->dl, &entry, eb)) < 0)
			return rc;
		snprintf(c->source, sizeof c->source, "%s", first);
		name = NULL;
		/* plugin.so:NAME[:PARAMS], or plugin.so:PARAMS when the first part has a '=' */
		if (rest) {
			char *colon = strchr(rest, ':');
			size_t head = colon ? (size_t)(colon - rest) : strlen(rest);
			if (!memchr(rest, '=', head)) {
				name = rest;
				params = NULL;
				if (colon) {
					*colon = '\0';
					params = colon + 1;
				}
			}
		}
	} else {
		snprintf(c->source, sizeof c->source, "builtin");
	}
	int count;
	c->desc = find_in(entry, name, &count);
	if (!c->desc) {
		if (c->dl)
			rc = err_set(eb, ERR_USAGE, "%s: no policy named '%s' in this plugin", first,
				     name ? name : "");
		else
			rc = err_set(eb, ERR_USAGE,
				     "unknown policy '%s' (adascale policies lists them; a plugin "
				     "is given as path/to/plugin.so)",
				     first);
		goto fail;
	}
	if ((rc = check_desc(c->desc, c->dl ? first : "builtin", eb)) < 0)
		goto fail;
	snprintf(c->name, sizeof c->name, "%s", c->desc->name);
	if ((rc = set_params(c, params, eb)) < 0)
		goto fail;
	return 0;
fail:
	pol_choice_free(c);
	return rc;
}

void pol_choice_free(struct pol_choice *c)
{
	for (int i = 0; i < POL_MAX_PARAMS; i++) {
		free(c->values[i]);
		c->values[i] = NULL;
	}
	if (c->dl)
		dlclose(c->dl);
	c->dl = NULL;
	c->desc = NULL;
}

static void list_entry(FILE *out, adascale_policy_entry_fn entry, const char *source)
{
	const struct adascale_policy *d;
	for (int i = 0; i < 1000 && (d = entry(i)) != NULL; i++) {
		struct errbuf eb;
		if (check_desc(d, source, &eb) < 0) {
			fprintf(out, "  (refused) %s\n", eb.msg);
			continue;
		}
		fprintf(out, "%-10s %s\n", d->name, d->description ? d->description : "");
		if (strcmp(source, "builtin"))
			fprintf(out, "           from %s\n", source);
		for (int j = 0; j < d->n_params; j++)
			fprintf(out, "           %s=%s  %s\n", d->params[j].name,
				d->params[j].default_value && *d->params[j].default_value
					? d->params[j].default_value
					: "(none)",
				d->params[j].help ? d->params[j].help : "");
	}
}

int pol_list(FILE *out, struct errbuf *eb)
{
	fprintf(out, "Built-in policies (parameter=default):\n");
	list_entry(out, pol_builtin_entry, "builtin");
	const char *env = getenv("ADASCALE_POLICY_PATH");
	if (!env || !*env)
		return 0;
	char *paths = strdup(env);
	if (!paths)
		return err_set(eb, ERR_NOMEM, "out of memory");
	fprintf(out, "\nPlugins on ADASCALE_POLICY_PATH:\n");
	for (char *save, *dir = strtok_r(paths, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		DIR *dp = opendir(dir);
		if (!dp) {
			fprintf(out, "  (cannot open %s)\n", dir);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(dp)) != NULL) {
			size_t n = strlen(de->d_name);
			if (!is_plugin_path(de->d_name, n))
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			void *dl;
			adascale_policy_entry_fn entry;
			struct errbuf e2;
			if (open_plugin(path, &dl, &entry, &e2) < 0) {
				fprintf(out, "  (refused) %s\n", e2.msg);
				continue;
			}
			list_entry(out, entry, path);
			dlclose(dl);
		}
		closedir(dp);
	}
	free(paths);
	return 0;
}

int pol_sha256(const char *source, char hex[65], struct errbuf *eb)
{
	hex[0] = '\0';
	if (strcmp(source, "builtin") == 0)
		return 0;
	if (sha256_file(source, hex) < 0)
		return err_set(eb, ERR_IO, "%s: cannot read the policy plugin to hash it: %s",
			       source, strerror(errno));
	return 0;
}
