// Who may send what on the camera socket: the least role for each client message type. The session checks it on the
// parsed, validated message, so no spelling of the JSON text can change the decision.
import type { ClientMessage } from '../../shared/protocol.js';
import { roleAllows, type Principal, type Role } from '../auth/keys.js';

/** Every client message type must appear here; the type checker refuses a new message without a role. */
export const MESSAGE_ROLES: Record<ClientMessage['type'], Role> = {
  hello: 'viewer',
  ping: 'viewer',
  'enrol.start': 'operator',
  'enrol.cancel': 'operator',
};

/** Null when `principal` may send `message`, else the reason to give the client. */
export function messageDenied(principal: Principal, message: ClientMessage): string | null {
  const need = MESSAGE_ROLES[message.type];
  if (roleAllows(principal.role, need)) return null;
  return `${message.type} needs an ${need} key; "${principal.name}" is ${principal.role}`;
}
