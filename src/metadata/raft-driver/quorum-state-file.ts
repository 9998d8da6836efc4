// `__cluster_metadata-0/quorum-state`: Kafka's FileQuorumStateStore writes QuorumStateData as
// JSON plus a `data_version` field, replaced atomically (tmp file, fsync, rename). Sluice
// writes version 0 (static voters, no directory ids), the shape Kafka 3.9 writes for
// kraft.version 0, so a Kafka operator reads it as usual.
import { readTextFile, writeFileAtomic } from '../../storage/checkpoint-file.js';
import { joinPath } from '../../storage/file-names.js';
import type { FileSystem } from '../../storage/types.js';
import type { PersistedQuorumState } from '../raft/types.js';

export const QUORUM_STATE_FILE = 'quorum-state';

interface QuorumStateJson {
  clusterId: string;
  leaderId: number;
  leaderEpoch: number;
  votedId: number;
  appliedOffset: number;
  currentVoters: { voterId: number }[] | null;
  data_version: number;
}

export class QuorumStateFile {
  private readonly path: string;

  constructor(
    private readonly fs: FileSystem,
    dir: string,
  ) {
    this.path = joinPath(dir, QUORUM_STATE_FILE);
  }

  read(): PersistedQuorumState | undefined {
    const text = readTextFile(this.fs, this.path);
    if (text === null) return undefined;
    const json = JSON.parse(text) as Partial<QuorumStateJson>;
    if (json.data_version !== 0 && json.data_version !== 1) throw new Error(`${this.path}: unknown data_version ${String(json.data_version)}`);
    return {
      leaderId: json.leaderId ?? -1,
      leaderEpoch: json.leaderEpoch ?? -1,
      votedId: json.votedId ?? -1,
      appliedOffset: 0n,
      currentVoters: (json.currentVoters ?? []).map((v) => v.voterId),
    };
  }

  write(state: PersistedQuorumState): Promise<void> {
    const json: QuorumStateJson = {
      clusterId: '',
      leaderId: state.leaderId,
      leaderEpoch: state.leaderEpoch,
      votedId: state.votedId,
      appliedOffset: 0,
      currentVoters: state.currentVoters.map((voterId) => ({ voterId })),
      data_version: 0,
    };
    return writeFileAtomic(this.fs, this.path, JSON.stringify(json));
  }
}
