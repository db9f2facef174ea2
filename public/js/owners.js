// Who owns a contact, in words: admins may list the team (/users), so they see names and can
// pick anyone; everyone else sees "Me", "Nobody" or the owner's id.
import { users as usersApi } from './api.js';
import { canManageUsers } from './access.js';
import { useLoad } from './use-load.js';

let cache = null; // one load of the team per page view, shared by every screen

async function loadTeam(signal) {
  const out = [];
  let cursor = '';
  for (let page = 0; page < 10; page += 1) {
    const data = await usersApi.list({ limit: 100, cursor }, { signal });
    out.push(...(data.items || []));
    if (!data.next_cursor) break;
    cursor = data.next_cursor;
  }
  return out.sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
}

/** The team for an admin (`[]` for anyone else, or while it loads, or when it cannot load). */
export function useTeam(user) {
  const admin = canManageUsers(user);
  const state = useLoad(
    () => {
      if (!admin) return Promise.resolve([]);
      if (!cache) {
        // Not aborted with the screen: the next screen uses the same answer.
        cache = loadTeam().catch((e) => {
          cache = null;
          throw e;
        });
      }
      return cache;
    },
    [admin],
  );
  return state.data || [];
}

/** "Me", "Nobody", a teammate's name, or the id shortened (its whole value as `title`). */
export function ownerLabel(ownerId, me, team) {
  if (!ownerId) return 'Nobody';
  if (me && ownerId === me.id) return 'Me';
  const found = team.find((u) => u.id === ownerId);
  return found ? found.name || found.email : `${ownerId.slice(0, 8)}…`;
}

/**
 * The owners to offer in a select: Me, Nobody (value ''), then the team for admins, and
 * `current` when it is none of those (so a select shows what is there).
 */
export function ownerChoices(me, team, current = null) {
  const out = [
    { value: me.id, label: 'Me' },
    { value: '', label: 'Nobody' },
  ];
  for (const u of team) if (u.id !== me.id) out.push({ value: u.id, label: u.name || u.email });
  if (current && !out.some((o) => o.value === current)) out.push({ value: current, label: current });
  return out;
}
