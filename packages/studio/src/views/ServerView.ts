import type { ColumnItem } from '../ColumnItem.js';
import { preview } from '../ui/format.js';
import { subscribe } from '../state/subscribe.js';
import { View } from '../View.js';
import { ValueView } from './ValueView.js';

/** What the server said in its hello, and the connection's state. */
export class ServerView extends View {
  readonly kind = 'server';

  title(): string {
    return 'Server';
  }

  items(): ColumnItem[] {
    const { mwse } = this.ctx;
    const hello = mwse.server;
    const rows: Array<[string, string, unknown]> = [
      ['endpoint', 'Endpoint', mwse.endpoint],
      ['state', 'Connection', mwse.state],
    ];
    if (hello) {
      rows.push(['server', 'Server', hello.server], ['version', 'Version', hello.version], ['protocol', 'Protocol', hello.protocol]);
      if (hello.identity !== undefined) rows.push(['identity', 'Identity', hello.identity]);
      rows.push(['limits', 'Limits', hello.limits], ['features', 'Features', hello.features]);
    }
    return rows.map(([id, label, value]) => ({
      id,
      label,
      detail: preview(value, 40),
      icon: '·',
      opens: typeof value === 'object',
      keywords: preview(value, 400),
    }));
  }

  override open(item: ColumnItem): View | undefined {
    const hello = this.ctx.mwse.server;
    if (item.id === 'limits' && hello) return new ValueView(this.ctx, 'Limits', () => this.ctx.mwse.server?.limits);
    if (item.id === 'features' && hello) return new ValueView(this.ctx, 'Features', () => this.ctx.mwse.server?.features);
    return undefined;
  }

  protected override start(): void {
    const redraw = () => this.invalidate();
    for (const event of ['scope', 'disconnect', 'reconnecting', 'close'] as const) this.onDispose(subscribe(this.ctx.mwse, event, redraw));
  }
}
