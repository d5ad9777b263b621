import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { createAppDataSource } from './tenant-connection';
import { Transactions } from './transactions';

@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        // connections run as the application role, in the caller's tenant scope (tenant-connection.ts)
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(url, poolSize),
            autoLoadEntities: true,
            migrationsRun: false,
          }),
          dataSourceFactory: (options) => createAppDataSource(options!),
        }),
      ],
      providers: [Transactions],
      exports: [TypeOrmModule, Transactions],
    };
  }
}
