"""The local stack: emulator, provisioning, in-process functions, pollers, scheduler, gateway."""
