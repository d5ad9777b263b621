import fc from 'fast-check';
import {
  parseUploadFileName,
  sanitiseHost,
  staleUploadReason,
  uploadFileName,
  UploadOwner,
} from './upload-files';

const self: UploadOwner = { host: 'api-1', pid: 40, nonce: 'aabbccdd' };
const HOUR = 3_600_000;
const running = (pids: number[]) => (pid: number) => pids.includes(pid);

describe('upload file names', () => {
  it('round-trips the owner of any host, pid and nonce', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.stringMatching(/^[0-9a-f]{8}$/),
        fc.stringMatching(/^[0-9a-f]{16}$/),
        (host, pid, nonce, random) => {
          const owner = { host: sanitiseHost(host), pid, nonce };
          expect(parseUploadFileName(uploadFileName(owner, random))).toEqual(owner);
        },
      ),
    );
  });

  it('does not read multer’s own names or other files as owned', () => {
    expect(parseUploadFileName('3f2a9c0e1b7d4e5f6a7b8c9d0e1f2a3b')).toBeNull();
    expect(parseUploadFileName('api-1_40_aabbccdd_0123456789abcdef.upload.tmp')).toBeNull();
    expect(parseUploadFileName('../x_1_aabbccdd_0123456789abcdef.upload')).toBeNull();
  });
});

describe('staleUploadReason', () => {
  const name = (o: UploadOwner) => uploadFileName(o, '0123456789abcdef');

  it('keeps a fresh file of this process and of a live process of this host', () => {
    expect(staleUploadReason({ name: name(self), ageMs: 1000 }, self, running([]), HOUR)).toBeNull();
    const other = { host: 'api-1', pid: 41, nonce: '11111111' };
    expect(staleUploadReason({ name: name(other), ageMs: 1000 }, self, running([41]), HOUR)).toBeNull();
  });

  it('deletes at once a file whose process is gone, or of an earlier process with the same pid', () => {
    const dead = { host: 'api-1', pid: 41, nonce: '11111111' };
    expect(staleUploadReason({ name: name(dead), ageMs: 10 }, self, running([]), HOUR)).toBe(
      'left by process 41, which is gone',
    );
    const earlier = { ...self, nonce: '22222222' };
    expect(staleUploadReason({ name: name(earlier), ageMs: 10 }, self, running([40]), HOUR)).toBe(
      'left by an earlier process with this pid',
    );
  });

  it('judges files of other hosts and unknown names by age only', () => {
    const remote = { host: 'api-2', pid: 41, nonce: '11111111' };
    expect(staleUploadReason({ name: name(remote), ageMs: HOUR - 1 }, self, running([]), HOUR)).toBeNull();
    expect(staleUploadReason({ name: name(remote), ageMs: HOUR + 1 }, self, running([]), HOUR)).toMatch(
      /untouched/,
    );
    expect(staleUploadReason({ name: 'legacy', ageMs: HOUR + 1 }, self, running([]), HOUR)).toMatch(
      /untouched/,
    );
    expect(staleUploadReason({ name: 'legacy', ageMs: 5 }, self, running([]), HOUR)).toBeNull();
  });

  it('lets even this process’s own file go once it is older than the bound', () => {
    expect(staleUploadReason({ name: name(self), ageMs: HOUR + 1 }, self, running([40]), HOUR)).toMatch(
      /untouched/,
    );
  });
});
