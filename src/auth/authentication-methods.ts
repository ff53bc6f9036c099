/**
 * Which authentication methods a server still requires, with the semantics
 * of sshd_config(5) AuthenticationMethods: one or more lists of methods; a
 * user is authenticated once every method of any one list has succeeded, in
 * that list's order. Only methods that are next in some list are offered, and
 * a success that finishes no list is a partial success (RFC 4252 §5.1).
 */

/** The methods the userauth server implements, in the order sshd lists them in USERAUTH_FAILURE. */
export const SERVER_METHODS = ['none', 'publickey', 'password', 'keyboard-interactive'] as const;

export type ServerMethod = (typeof SERVER_METHODS)[number];

/** Whether `name` is a method the userauth server implements. */
export function isServerMethod(name: string): name is ServerMethod {
  return (SERVER_METHODS as readonly string[]).includes(name);
}

/** Progress through the configured method lists of one connection. */
export class AuthenticationMethods {
  /** What remains of each list; a list whose head failed to match a success stays as it was. */
  private readonly remaining: ServerMethod[][];

  /**
   * `lists`: e.g. [['publickey', 'password'], ['keyboard-interactive']].
   * Throws TypeError for an empty list, an empty set of lists or an unknown method.
   */
  constructor(lists: readonly (readonly string[])[]) {
    if (lists.length === 0) throw new TypeError('authentication methods: at least one list is needed');
    this.remaining = lists.map((list) => {
      if (list.length === 0) throw new TypeError('authentication methods: a list may not be empty');
      return list.map((m) => {
        if (!isServerMethod(m)) throw new TypeError(`authentication methods: unknown method ${JSON.stringify(m)} (known: ${SERVER_METHODS.join(', ')})`);
        return m;
      });
    });
  }

  /** Whether a request for `method` may be tried now: it is next in some list. */
  allows(method: string): boolean {
    return this.remaining.some((l) => l[0] === method);
  }

  /**
   * The "authentications that can continue" of USERAUTH_FAILURE (RFC 4252
   * §5.1): every method next in some list, "none" excepted (§5.2), in sshd's order.
   */
  canContinue(): string[] {
    return SERVER_METHODS.filter((m) => m !== 'none' && this.allows(m));
  }

  /**
   * Records a success of `method` (which `allows` must have permitted): it is
   * removed from the head of every list it heads. 'complete' when one of them
   * is now finished, 'partial' otherwise.
   */
  succeeded(method: ServerMethod): 'complete' | 'partial' {
    if (!this.allows(method)) throw new TypeError(`authentication methods: ${method} is not next in any list`);
    let complete = false;
    for (const list of this.remaining) {
      if (list[0] !== method) continue;
      list.shift();
      if (list.length === 0) complete = true;
    }
    return complete ? 'complete' : 'partial';
  }
}
