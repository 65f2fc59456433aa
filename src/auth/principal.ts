// Who is calling: the authenticated principal (a configured API token) and the request's
// authentication state. The bottom of the house: auth, GraphQL and the shims all read these.
/** An authenticated caller (a configured API token). `name` is what audit rows record. */
export interface Principal {
  name: string;
  scopes: ReadonlySet<string>;
}

/** The request's authentication, as resolved from its Authorization header. */
export interface RequestAuth {
  /** Tokens are configured, so scopes are checked. */
  enforced: boolean;
  /** Why a presented credential was refused; absent when none was presented or it was valid. */
  rejected?: string | undefined;
}

/** A request's caller and authentication state, as the token check resolved them. */
export interface AccessSubject {
  principal: Principal | undefined;
  auth: RequestAuth;
}
