import { Module } from '@nestjs/common';
import { WorklistModule } from '../worklist/worklist.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WebController } from './web.controller';

@Module({ imports: [WorklistModule, WorkspacesModule], controllers: [WebController] })
export class WebModule {}
