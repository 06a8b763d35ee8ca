// Preloaded (`node --import`) into the bundled server that `target: builtin` starts: the server
// must never outlive the run that started it, whatever ends that run — even SIGKILL, which runs no
// handler of the parent's. The parent keeps an IPC channel open to the child; the kernel closes it
// when the parent dies, and the child sees 'disconnect' and exits. Imports nothing.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(0));
  // The channel itself must not keep the server alive once it is told to stop.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}
