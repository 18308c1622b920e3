/* SPDX-License-Identifier: MIT */
/*
 * The drivers built into libaccel and acceld, and the devices a core starts with when no
 * configuration names others (drivers/builtin.c).
 */
#ifndef ACCEL_DRIVERS_BUILTIN_H
#define ACCEL_DRIVERS_BUILTIN_H

/**
 * accel_drivers_register_builtin() - register every built-in driver, once, as the kernel's
 * module_init calls do. Returns 0 or the first failure's -errno (the same on every call).
 */
int accel_drivers_register_builtin(void);

/**
 * accel_drivers_builtin_config() - the built-in configuration (INI, docs/config.md): one
 * device of each built-in driver. A static text.
 */
const char *accel_drivers_builtin_config(void);

#endif
