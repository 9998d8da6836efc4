// Producer ids come from the controller in blocks (ProducerIdsRecord in the metadata log), so
// ids stay unique across brokers and restarts; this hands them out one at a time.
import { SerialQueue } from '../../storage/serial-queue.js';

export type ProducerIdBlockSource = () => Promise<{ start: bigint; length: number }>;

export class ProducerIdManager {
  private next = 0n;
  private end = 0n;
  private readonly queue = new SerialQueue();

  constructor(private readonly allocate: ProducerIdBlockSource) {}

  generate(): Promise<bigint> {
    return this.queue.run(async () => {
      if (this.next >= this.end) {
        const block = await this.allocate();
        this.next = block.start;
        this.end = block.start + BigInt(block.length);
      }
      return this.next++;
    });
  }
}
