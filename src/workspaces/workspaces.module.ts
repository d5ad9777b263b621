import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Rep } from './rep.entity';
import { Workspace } from './workspace.entity';
import { WorkspaceRepository } from './workspace.repository';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [TypeOrmModule.forFeature([Workspace, Rep])],
  providers: [WorkspacesService, WorkspaceRepository],
  exports: [WorkspacesService, WorkspaceRepository],
})
export class WorkspacesModule {}
