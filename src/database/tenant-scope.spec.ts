import { TenantScope } from './tenant-scope';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('TenantScope', () => {
  afterEach(() => TenantScope.setFallback('none'));

  it('fails closed outside any scope, unless the process says it acts as the operator', () => {
    expect(TenantScope.current()).toEqual({ workspaceId: null, crossTenant: null });
    TenantScope.setFallback({ crossTenant: 'cli' });
    expect(TenantScope.current()).toEqual({ workspaceId: null, crossTenant: 'cli' });
  });

  it('scopes a call and everything it awaits to one workspace, or to every one with a reason', async () => {
    const seen = await TenantScope.run(A, async () => {
      await new Promise((r) => setImmediate(r));
      return TenantScope.current();
    });
    expect(seen).toEqual({ workspaceId: A, crossTenant: null });
    expect(TenantScope.crossTenant('sweep', () => TenantScope.current())).toEqual({
      workspaceId: null,
      crossTenant: 'sweep',
    });
    expect(() => TenantScope.run('not-a-uuid', () => 1)).toThrow(/not a workspace id/);
  });

  it('binds a request once its caller is known, and never to a second workspace', async () => {
    await TenantScope.request(async () => {
      expect(TenantScope.current().workspaceId).toBeNull();
      await Promise.resolve();
      TenantScope.bind(A);
      await new Promise((r) => setImmediate(r));
      expect(TenantScope.current().workspaceId).toBe(A);
      TenantScope.bind(A);
      expect(() => TenantScope.bind(B)).toThrow(/another workspace/);
      expect(TenantScope.current().workspaceId).toBe(A);
    });
  });

  it('refuses to bind outside a request scope', () => {
    expect(() => TenantScope.bind(A)).toThrow(/outside a request scope/);
    expect(() => TenantScope.run(B, () => TenantScope.bind(A))).toThrow(/outside a request scope/);
    expect(TenantScope.run(A, () => TenantScope.bind(A))).toBeUndefined();
  });
});
