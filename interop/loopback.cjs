// Preloaded with --require: the PDS and PLC call listen(port) without a host, i.e. on every interface. Tests must
// stay on loopback, so every listen gets host 127.0.0.1.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const port = Number(args[0]);
    const rest = args.slice(1).filter((a) => typeof a === 'function');
    return listen.call(this, { port, host: '127.0.0.1' }, ...rest);
  }
  if (args[0] && typeof args[0] === 'object' && !('path' in args[0])) {
    return listen.call(this, { ...args[0], host: '127.0.0.1' }, ...args.slice(1));
  }
  if (args.length === 0 || typeof args[0] === 'function') {
    return listen.call(this, { port: 0, host: '127.0.0.1' }, ...args);
  }
  return listen.apply(this, args);
};
